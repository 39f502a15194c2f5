{{- define "pp.name" -}}partner-platform{{- end -}}

{{- define "pp.fullname" -}}
{{- if contains "partner-platform" .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-partner-platform" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "pp.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/name: {{ include "pp.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "pp.selector" -}}
app.kubernetes.io/name: {{ include "pp.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "pp.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "pp.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{ default (include "pp.fullname" .) .Values.serviceAccount.name }}
{{- else -}}
{{ default "default" .Values.serviceAccount.name }}
{{- end -}}
{{- end -}}

{{- define "pp.secretName" -}}
{{ default (printf "%s-env" (include "pp.fullname" .)) .Values.existingSecret }}
{{- end -}}

{{/* Environment shared by every container of the control plane. */}}
{{- define "pp.envFrom" -}}
- configMapRef:
    name: {{ include "pp.fullname" . }}-env
- secretRef:
    name: {{ include "pp.secretName" . }}
{{- end -}}

{{/* The migration hook's environment: copies made for it (see configmap.yaml), or the existing Secret. */}}
{{- define "pp.migrateEnvFrom" -}}
- configMapRef:
    name: {{ include "pp.fullname" . }}-migrate-env
- secretRef:
    name: {{ default (printf "%s-migrate-env" (include "pp.fullname" .)) .Values.existingSecret }}
{{- end -}}
