/** Validation of user payloads into DRF-style field errors (`{"field": ["message"]}`). */
import { DrfError } from '../http/drf-exception.filter';
import { InboxUser, ROLES, Role } from '../persistence/entities';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface UserInput {
  username?: unknown;
  first_name?: unknown;
  last_name?: unknown;
  email?: unknown;
  profile?: unknown;
}

export type UserFields = Partial<Pick<InboxUser, 'username' | 'firstName' | 'lastName' | 'email' | 'role'>>;
type Errors = Record<string, string[]>;

function text(input: UserInput, key: keyof UserInput, max: number, errors: Errors): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') errors[key] = ['Not a valid string.'];
  else if (value.length > max) errors[key] = [`Ensure this field has no more than ${max} characters.`];
  else return value;
  return undefined;
}

/**
 * Seed 002: a username chosen through the API is letters and digits only. Seed 001 makes the
 * admin's username its e-mail address and lets the partner name the configurator
 * (`service_account`): those stay valid, so `current` (the user's own name) is accepted unchanged.
 */
function username(input: UserInput, required: boolean, errors: Errors, current?: string): string | undefined {
  const value = text(input, 'username', 150, errors);
  if (value === undefined && required && !errors.username) errors.username = ['This field is required.'];
  else if (value !== undefined && value !== current && !/^[A-Za-z0-9]+$/.test(value)) {
    errors.username = ['Enter a valid username. Only letters (A-Z, a-z) and digits (0-9) are allowed.'];
  } else return value;
  return undefined;
}

function email(input: UserInput, errors: Errors): string | undefined {
  const value = text(input, 'email', 254, errors);
  if (value && !EMAIL.test(value)) errors.email = ['Enter a valid email address.'];
  else return value;
  return undefined;
}

function role(input: UserInput, errors: Errors): Role | undefined {
  if (input.profile === undefined || input.profile === null) return undefined;
  const value = (input.profile as { role?: unknown }).role;
  if (typeof input.profile !== 'object' || (value !== undefined && !ROLES.includes(value as Role))) {
    errors.profile = [`role: "${String(value)}" is not a valid choice (${ROLES.join(', ')}).`];
    return undefined;
  }
  return value as Role | undefined;
}

/** Throws a 400 listing every bad field; returns only the fields that were given. */
export function parseUserInput(
  input: UserInput,
  requireUsername: boolean,
  currentUsername?: string,
): UserFields {
  const errors: Errors = {};
  const fields: UserFields = {
    username: username(input, requireUsername, errors, currentUsername),
    firstName: text(input, 'first_name', 150, errors),
    lastName: text(input, 'last_name', 150, errors),
    email: email(input, errors),
    role: role(input, errors),
  };
  if (Object.keys(errors).length) throw new DrfError(400, errors);
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}
