import { extractProtocolMessage, INFO, type ServerInfo } from "@nats-io/nats-core/internal";

/**
 * Reads the server's INFO from the first bytes of a connection. Shared by nunect's transports,
 * which peek at INFO before handing the same bytes to nats-core's parser. Internal.
 *
 * @param received everything read so far
 * @returns the parsed INFO, or undefined while the first protocol line is incomplete
 * @throws {Error} when the first line is not INFO or its JSON does not parse
 */
export function _readServerInfo(received: Uint8Array): ServerInfo | undefined {
  const line = extractProtocolMessage(received);
  if (line === "") return undefined;
  const m = INFO.exec(line);
  if (!m) throw new Error("unexpected response from server");
  return JSON.parse(m[1]!);
}

/**
 * Closes a socket or connection, ignoring that it may already be closed. Internal.
 *
 * @param closable the socket, or undefined when there is none
 */
export function _closeQuietly(closable: { close(): void } | undefined): void {
  try {
    closable?.close();
  } catch { /* already closed */ }
}
