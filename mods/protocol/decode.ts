import type { z } from "zod";

/** Result of {@linkcode decodeMessage}: the value, or why it was dropped. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

const decoder = new TextDecoder();

/**
 * Parses a message payload as JSON and validates it with a protocol schema. Never throws: every
 * consumer counts, logs and drops what does not parse.
 *
 * @param schema the zod schema of the expected message
 * @param data the raw payload
 * @returns the typed value, or an error naming what is wrong
 */
export function decodeMessage<T>(schema: z.ZodType<T>, data: Uint8Array): Decoded<T> {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(data));
  } catch {
    return { ok: false, error: `Invalid JSON payload of ${data.length} bytes` };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  return {
    ok: false,
    error: `Invalid message: ${issue?.path.join(".") || "(root)"}: ${issue?.message}`,
  };
}
