/** Obtains the WhatsApp channel API key an instance will use (DESIGN.md, step "credentials"). */
export interface WabaCredentialsProvider {
  readonly name: string;
  /** The WhatsApp API the instance calls with the key (its WABA_API_URL). */
  readonly wabaApiUrl: string;
  /** A new API key for the channel. Throws PermanentStepError or TransientStepError. */
  obtainChannelKey(channelId: string): Promise<string>;
}
