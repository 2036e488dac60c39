/**
 * The configuration sections the controller reads; its permission set's env list names exactly
 * their variables (and USER, the actor of command-line changes).
 */
export const CONTROLLER_SECTIONS = [
  "server",
  "unit",
  "identity",
  "provisioning",
  "guardian",
  "natsTls",
] as const;
