/**
 * What the HTTP attacks need beyond fetch: a browser's login over the wire, and raw HTTP/1.1
 * exchanges on a socket, for requests fetch will not send (invalid Host headers, bodies that
 * arrive long after their headers, a gigabyte that stops as soon as the server answers).
 *
 * @module
 */

/** A logged-in browser: its cookie header and the CSRF token of its pages. */
export interface Browser {
  readonly cookie: string;
  readonly csrf: string;
}

function cookies(res: Response): string {
  return res.headers.getSetCookie().map((c) => c.split(";")[0]!).join("; ");
}

/**
 * The login page's cookie and CSRF token.
 *
 * @param base the dashboard, e.g. `http://127.0.0.1:4280`
 * @param client the HTTP client (HTTPS: one trusting the dashboard's CA; HTTP/1.1 or HTTP/2)
 * @returns the pre-login cookie and the form's token
 */
export async function loginForm(
  base: string,
  client?: Deno.HttpClient,
): Promise<{ cookie: string; token: string }> {
  const res = await fetch(`${base}/login`, { client } as RequestInit);
  const token = (await res.text()).match(/name="_csrf" value="([^"]+)"/)?.[1];
  if (!token) throw new Error("No CSRF token on the login page");
  return { cookie: cookies(res), token };
}

/**
 * Logs in through the form, as a browser does.
 *
 * @param base the dashboard
 * @param user the user name
 * @param password the password
 * @param client the HTTP client (HTTPS: one trusting the dashboard's CA; HTTP/1.1 or HTTP/2)
 * @returns the session cookie and CSRF token
 */
export async function login(
  base: string,
  user: string,
  password: string,
  client?: Deno.HttpClient,
): Promise<Browser> {
  const form = await loginForm(base, client);
  const res = await fetch(`${base}/login`, {
    client,
    method: "POST",
    redirect: "manual",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      cookie: form.cookie,
      origin: base,
    },
    body: new URLSearchParams({ _csrf: form.token, user, password }),
  } as RequestInit);
  await res.body?.cancel();
  const cookie = cookies(res).split("; ").find((c) => c.startsWith("nunect_session="));
  if (res.status !== 303 || !cookie) throw new Error(`Login failed with ${res.status}`);
  const page = await fetch(`${base}/`, { client, headers: { cookie } } as RequestInit);
  const csrf = (await page.text()).match(/name="_csrf" value="([^"]+)"/)?.[1];
  if (!csrf) throw new Error("No CSRF token on the overview page");
  return { cookie, csrf };
}

/** What came back on a raw connection. */
export interface RawResponse {
  /** The status code, or 0 when the server closed without answering. */
  readonly status: number;
  /** Header lines, lower-case names. */
  readonly headers: Headers;
  /** The body as far as it arrived (at most 64 KiB kept). */
  readonly body: string;
  /** Body bytes this side wrote before the answer (or the close). */
  readonly sent: number;
}

/**
 * Sends a request head and then, chunk by chunk, a body, reading the answer at the same time:
 * the body stops as soon as the server answers or closes, so a refused gigabyte costs only what
 * the server read.
 *
 * @param port the dashboard's port on 127.0.0.1
 * @param head the request line and headers, without the empty line
 * @param body chunks to write after the head (e.g. a generator of 1 GiB), or nothing
 * @returns the status, headers and body of the answer, and how much body was sent
 */
export async function rawRequest(
  port: number,
  head: string,
  body?: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
): Promise<RawResponse> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const encoder = new TextEncoder();
  let answered = false;
  const reading = (async () => {
    let text = "";
    let bytes = new Uint8Array(0);
    const buf = new Uint8Array(16 * 1024);
    try {
      while (true) {
        const n = await conn.read(buf);
        if (n === null) break;
        answered = true;
        if (bytes.length < 64 * 1024) {
          const grown = new Uint8Array(bytes.length + n);
          grown.set(bytes);
          grown.set(buf.subarray(0, n), bytes.length);
          bytes = grown;
          text = new TextDecoder().decode(bytes);
        }
        const end = text.indexOf("\r\n\r\n");
        if (end >= 0) {
          // Content-Length counts bytes; the head is ASCII, so its byte length is its length.
          const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end))?.[1]);
          if (Number.isFinite(length) && bytes.length - end - 4 >= length) break;
        }
      }
    } catch { /* reset by the server */ }
    answered = true;
    // A writer blocked on a full socket (the server stopped reading) gives up now.
    try {
      conn.close();
    } catch { /* already closed */ }
    return text;
  })();
  let sent = 0;
  try {
    await conn.write(encoder.encode(`${head}\r\n\r\n`));
    if (body !== undefined) {
      for await (const chunk of body) {
        if (answered) break;
        let off = 0;
        while (off < chunk.length) off += await conn.write(chunk.subarray(off));
        sent += chunk.length;
      }
    }
  } catch { /* the server closed the connection while we wrote: it refused the rest */ }
  const text = await reading;
  const [headText = "", ...rest] = text.split("\r\n\r\n");
  const [statusLine = "", ...lines] = headText.split("\r\n");
  const headers = new Headers();
  for (const line of lines) {
    const i = line.indexOf(":");
    if (i > 0) headers.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return {
    status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0),
    headers,
    body: rest.join("\r\n\r\n"),
    sent,
  };
}

/**
 * `total` bytes of form data in 1 MiB chunks, produced as they are sent.
 *
 * @param total bytes in all
 * @returns the chunks
 */
export function* formBytes(total: number): Generator<Uint8Array> {
  const chunk = new Uint8Array(1024 * 1024).fill(0x61); // "aaaa…"
  for (let left = total; left > 0; left -= chunk.length) {
    yield left >= chunk.length ? chunk : chunk.subarray(0, left);
  }
}

/**
 * A chunked transfer encoding of `chunks`.
 *
 * @param chunks the payload
 * @returns the same bytes, framed as HTTP/1.1 chunks, with the closing chunk
 */
export function* chunked(chunks: Iterable<Uint8Array>): Generator<Uint8Array> {
  const encoder = new TextEncoder();
  for (const c of chunks) {
    yield encoder.encode(`${c.length.toString(16)}\r\n`);
    yield c;
    yield encoder.encode("\r\n");
  }
  yield encoder.encode("0\r\n\r\n");
}
