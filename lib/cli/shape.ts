/*
 * The JSON shape a secret declares (a generateSecretString template or secretObjectValue): what
 * `set` and `load` require of a new value, and what `check` requires of the current one. No message
 * quotes the value: a JSON error says where, not what.
 */
import { locateJsonError } from '../runtime/json';

/** Why `value` is not a JSON object with every key of `jsonKeys`; [] when it is. */
export function jsonShapeProblems(jsonKeys: readonly string[], value: string): string[] {
  const expected = `a JSON object with the keys ${jsonKeys.join(', ')}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    const { position, reason } = locateJsonError(value);
    return [`the value must be ${expected}, but it is not valid JSON (${reason} at position ${position})`];
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return [`the value must be ${expected}, but it is ${Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : `a JSON ${typeof parsed}`}`];
  }
  const missing = jsonKeys.filter((key) => !(key in parsed));
  return missing.length > 0 ? [`the JSON value lacks the key${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (declared: ${jsonKeys.join(', ')})`] : [];
}
