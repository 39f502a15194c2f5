import { PlatformConfig } from '@app/config';

type UrlConfig = Pick<PlatformConfig, 'BASE_DOMAIN' | 'PUBLIC_SCHEME'>;

/** The public URLs of an instance (DESIGN.md, "Public contracts"). */
export function instanceUrls(config: UrlConfig, subdomain: string) {
  const baseDomain = `${subdomain}.${config.BASE_DOMAIN}`;
  const origin = `${config.PUBLIC_SCHEME}://${baseDomain}`;
  return {
    baseDomain,
    publicUrl: origin,
    healthCheck: `${origin}/api/v1/status/health`,
    activationUrl: (code: string) => `${origin}/confirm_account?c=${encodeURIComponent(code)}`,
  };
}
