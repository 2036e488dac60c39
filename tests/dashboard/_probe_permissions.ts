/**
 * Run under the `dashboard` permission set by permissions_test.ts: tries what the dashboard must
 * not be able to do and prints, as JSON, the names of the tries the permission set refused.
 *
 * @module
 */
const tries: Record<string, () => unknown> = {
  readEnvFile: () => Deno.readTextFileSync(".env.example"),
  // The signing keys are the controller's alone; the units' credentials are theirs.
  readSigningKeys: () => Deno.readTextFileSync(".data/identity/controller/operator.nk"),
  readUnitCreds: () => Deno.readTextFileSync(".data/identity/creds/units/nunect-hub.creds"),
  readControllerCreds: () => Deno.readTextFileSync(".data/identity/creds/controller/sys.creds"),
  run: () => new Deno.Command("true").outputSync(),
  write: () => Deno.writeTextFileSync("static/x", "x"),
  remoteNet: () => Deno.listen({ hostname: "10.1.2.3", port: 1 }),
};
const refused: string[] = [];
for (const [name, f] of Object.entries(tries)) {
  try {
    f();
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable) refused.push(name);
  }
}
console.log(JSON.stringify(refused));
