import { Instance } from '@app/domain';

export interface BootstrapSecrets {
  databaseUrl: string;
  wabaApiKey: string;
  secretKey: string;
}

/**
 * The bootstrap environment of DESIGN.md (all but PORT, which the runtime picks). Only hashes of
 * the activation code and the configurator token reach the instance.
 */
export function bootstrapEnv(
  instance: Instance,
  publicUrl: string,
  secrets: BootstrapSecrets,
): Record<string, string> {
  const env: Record<string, string> = {
    INSTANCE_ID: instance.id,
    PUBLIC_URL: publicUrl,
    DATABASE_URL: secrets.databaseUrl,
    MAX_NUMBER_OF_SEATS: String(instance.maxNumberOfSeats),
    WABA_API_KEY: secrets.wabaApiKey,
    SECRET_KEY: secrets.secretKey,
    ADMIN_USERNAME: instance.adminUsername,
  };
  if (instance.adminEmail) env.ADMIN_EMAIL = instance.adminEmail;
  if (instance.activationCodeSha256) env.ADMIN_ACTIVATION_CODE_SHA256 = instance.activationCodeSha256;
  if (instance.configuratorUserName && instance.configuratorTokenSha256) {
    env.CONFIGURATOR_USER_NAME = instance.configuratorUserName;
    env.CONFIGURATOR_TOKEN_SHA256 = instance.configuratorTokenSha256;
  }
  return env;
}
