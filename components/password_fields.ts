import { MIN_PASSWORD_LENGTH } from "../mods/access/mod.ts";
import type { JsonFormField } from "../islands/JsonForm.tsx";

/**
 * The field asking for the user's current password (to change it, or to change the second
 * factor).
 *
 * @param name the JSON key it is sent as
 * @returns the field
 */
export function currentPasswordField(name: string): JsonFormField {
  return {
    name,
    label: "Current password",
    type: "password",
    required: true,
    autocomplete: "current-password",
  };
}

/**
 * The field for a new password (a user's own, a new user's, or one an admin resets).
 *
 * @param label its label
 * @returns the field, sent as `password`
 */
export function newPasswordField(label: string): JsonFormField {
  return {
    name: "password",
    label,
    type: "password",
    required: true,
    autocomplete: "new-password",
    hint: `${MIN_PASSWORD_LENGTH} characters or more`,
  };
}
