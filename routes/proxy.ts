import type { MonitorClient } from "../mods/monitor/mod.ts";
import { HttpError, NatsUnreachableError } from "./errors.ts";

/** Query parameters as nats-server's monitoring endpoints spell them. */
export type MonitorQuery = Readonly<Record<string, string | number | boolean | undefined>>;

/**
 * Relays a monitoring endpoint's answer for `/api/*` unchanged, streamed: the JSON a script gets
 * is exactly nats-server's, with no second parse and serialisation on the way (that is what keeps
 * `/api/connz` within 1.3× of `/connz` with thousands of connections). Query parameters are
 * validated by the route before they get here; pages use the validated, typed fetchers.
 *
 * @param monitor the monitoring client (its base URL and timeout are used)
 * @param path e.g. `/connz`
 * @param query parameters; `undefined`, `false` and `""` are left out
 * @returns the response to send
 * @throws {NatsUnreachableError} when the server does not answer in time
 * @throws {HttpError} 400 or 502 when it answers with an error status
 */
export async function relayMonitor(
  monitor: MonitorClient,
  path: string,
  query: MonitorQuery = {},
): Promise<Response> {
  const url = new URL(monitor.url + path);
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === false || v === "") continue;
    url.searchParams.set(k, String(v));
  }
  let res: Response;
  try {
    res = await fetch(url, {
      signal: AbortSignal.timeout(monitor.timeoutMs),
      headers: { accept: "application/json" },
    });
  } catch (e) {
    throw new NatsUnreachableError(url.href, { cause: e });
  }
  if (res.status !== 200) {
    const text = (await res.text()).slice(0, 200).trim();
    throw new HttpError(
      res.status === 400 || res.status === 404 ? res.status : 502,
      `nats-server answered HTTP ${res.status} for "${path}": ${text}`,
    );
  }
  return new Response(res.body, {
    status: 200,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
}
