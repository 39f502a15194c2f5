/** Obtains the WhatsApp channel API key an instance will use (DESIGN.md, step "credentials"). */
export interface WabaCredentialsProvider {
  readonly name: string;
  /** A new API key for the channel. Throws PermanentStepError or TransientStepError. */
  obtainChannelKey(channelId: string): Promise<string>;
}
