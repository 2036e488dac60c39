/** Absolute path of the project root. */
export const PROJECT_DIR: string = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
