// Run by permissions_test.ts under `-P=guardian --allow-net=<nats host:port>`: tries what the
// guardian may and may not do and prints one JSON object of action -> "allowed" | "refused".
const [allowedHostPort, otherHostPort] = Deno.args as [string, string];

async function attempt(fn: () => unknown): Promise<string> {
  try {
    await fn();
    return "allowed";
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      return "refused";
    }
    return `error: ${(e as Error).name}: ${(e as Error).message}`;
  }
}

const [host, port] = allowedHostPort.split(":") as [string, string];
const [otherHost, otherPort] = otherHostPort.split(":") as [string, string];
const results = {
  "run /usr/bin/chronyc": await attempt(() =>
    new Deno.Command("/usr/bin/chronyc", { args: ["--version"], stdout: "null" }).output()
  ),
  "run /usr/sbin/pmc": await attempt(() =>
    new Deno.Command("/usr/sbin/pmc", { args: ["-v"], stdout: "null", stderr: "null" }).output()
  ),
  "run /bin/sh": await attempt(() =>
    new Deno.Command("/bin/sh", { args: ["-c", "true"] }).output()
  ),
  "run /usr/bin/env": await attempt(() => new Deno.Command("/usr/bin/env").output()),
  "env NATS_URL": await attempt(() => Deno.env.get("NATS_URL")),
  "env HOME": await attempt(() => Deno.env.get("HOME")),
  "env PATH": await attempt(() => Deno.env.get("PATH")),
  "net NATS": await attempt(async () =>
    (await Deno.connect({ hostname: host, port: Number(port) })).close()
  ),
  "net other port": await attempt(async () =>
    (await Deno.connect({ hostname: otherHost, port: Number(otherPort) })).close()
  ),
  "net fetch": await attempt(() => fetch(`http://${otherHostPort}/varz`)),
  "read /etc/hostname": await attempt(() => Deno.readTextFile("/etc/hostname")),
  "read project": await attempt(() => Deno.readTextFile("deno.json")),
  "write /tmp": await attempt(() => Deno.writeTextFile("/tmp/nunect-guardian-probe", "x")),
  "sys hostname": await attempt(() => Deno.hostname()),
  "sys osUptime": await attempt(() => Deno.osUptime()),
  "sys osRelease": await attempt(() => Deno.osRelease()),
  "ffi": await attempt(() => Deno.dlopen("libc.so.6", {})),
};
console.log(JSON.stringify(results));
