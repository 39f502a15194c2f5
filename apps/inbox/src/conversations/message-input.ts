/** Reading `POST messages/` (seed 002: `wa_id`, `type`, and the object named by the type). */
import { DrfError } from '../http/drf-exception.filter';

/** Seed 002's types, plus WhatsApp's audio, video and interactive. */
export const SENDABLE_TYPES = [
  'text',
  'image',
  'document',
  'audio',
  'video',
  'sticker',
  'location',
  'contacts',
  'interactive',
  'template',
  'hsm',
];
/** Types whose object names a file (`id` or `link`). */
export const MEDIA_TYPES = ['image', 'document', 'audio', 'video', 'sticker'];
/** Types that may be sent outside the 24-hour window. */
export const TEMPLATE_TYPES = ['template', 'hsm'];
export const WA_ID = /^\d{5,20}$/;

export interface MessageInput {
  waId: string;
  type: string;
  content: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function waIdProblem(waId: unknown): string | undefined {
  if (waId === undefined) return 'This field is required.';
  if (typeof waId !== 'string' || !WA_ID.test(waId)) return 'Not a valid WhatsApp id (5-20 digits).';
  return undefined;
}

function typeProblem(type: unknown): string | undefined {
  if (type === undefined) return 'This field is required.';
  if (typeof type !== 'string' || !SENDABLE_TYPES.includes(type))
    return `"${typeof type === 'string' ? type.slice(0, 40) : typeof type}" is not a valid choice.`;
  return undefined;
}

function contentProblem(type: string, content: unknown): string | undefined {
  if (content === undefined) return 'This field is required.';
  if (!isObject(content)) return 'Must be an object, as WhatsApp defines it.';
  if (type === 'text' && (typeof content.body !== 'string' || content.body === ''))
    return 'text.body is required: the text to send.';
  if (MEDIA_TYPES.includes(type) && typeof content.id !== 'string' && typeof content.link !== 'string')
    return `${type}.id (from media/) or ${type}.link is required.`;
  if (type === 'template' && (typeof content.name !== 'string' || !isObject(content.language)))
    return 'template.name and template.language ({"code": "en"}) are required.';
  return undefined;
}

/** The input, or a 400 naming every field in error (DRF's shape). */
export function readMessageInput(body: Record<string, unknown>): MessageInput {
  const errors: Record<string, string[]> = {};
  const waIdError = waIdProblem(body.wa_id);
  if (waIdError) errors.wa_id = [waIdError];
  const typeError = typeProblem(body.type);
  if (typeError) errors.type = [typeError];
  const type = body.type as string;
  const contentError = typeError ? undefined : contentProblem(type, body[type]);
  if (contentError) errors[type] = [contentError];
  if (Object.keys(errors).length) throw new DrfError(400, errors);
  return { waId: body.wa_id as string, type, content: body[type] as Record<string, unknown> };
}
