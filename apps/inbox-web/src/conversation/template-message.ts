/** A template's body text and the WhatsApp message that fills its {{n}} placeholders. */
import type { Template } from '../api/types';

export function templateBody(template: Template): string {
  return template.components.find((c) => c.type?.toUpperCase() === 'BODY')?.text ?? '';
}

/** How many parameters the body asks for ({{1}} … {{n}}). */
export function placeholderCount(body: string): number {
  let highest = 0;
  for (const match of body.matchAll(/\{\{(\d{1,2})\}\}/g)) highest = Math.max(highest, Number(match[1]));
  return highest;
}

export function templateMessage(template: Template, parameters: string[]): Record<string, unknown> {
  return {
    name: template.name,
    language: { code: template.language },
    ...(parameters.length
      ? { components: [{ type: 'body', parameters: parameters.map((text) => ({ type: 'text', text })) }] }
      : {}),
  };
}

/** The body with its parameters filled in, as the customer will read it. */
export function preview(body: string, parameters: string[]): string {
  return body.replace(/\{\{(\d{1,2})\}\}/g, (whole, n: string) => parameters[Number(n) - 1] || whole);
}
