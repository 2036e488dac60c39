import { hostName } from "./host.ts";

/**
 * The handler of the plain-HTTP listener (DASHBOARD_REDIRECT_PORT): every request is sent to the
 * same path on HTTPS with 308 (method and body kept), at the name the browser used. Wrap it in
 * the Host check ({@linkcode guardHost}) so that the name is one of the dashboard's: a redirect
 * never points at a name an attacker chose. Nothing else is served in plain text.
 *
 * @param httpsPort the HTTPS port (DASHBOARD_PORT); 443 is left out of the URL
 * @returns the fetch handler
 */
export function httpsRedirect(httpsPort: number): (req: Request) => Response {
  return (req) => {
    const url = new URL(req.url);
    const name = hostName(req.headers.get("host")) ?? url.hostname;
    const port = httpsPort === 443 ? "" : `:${httpsPort}`;
    return new Response(null, {
      status: 308,
      headers: {
        "Location": `https://${name}${port}${url.pathname}${url.search}`,
        "Cache-Control": "no-store",
      },
    });
  };
}
