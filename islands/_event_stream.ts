/**
 * The page's one live stream: a single EventSource on `/api/events` for every island of the
 * page, opened with the topics and the cursor the server rendered the page with
 * (`<body data-live data-live-after>`), so nothing published between rendering and subscribing
 * is missed. After a dashboard restart the browser reconnects by itself (`retry: 1000`) and the
 * server answers the stale ID with a fresh snapshot of each topic.
 *
 * @module
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { LiveTopic } from "../mods/dashboard/mod.ts";

/** The stream's state: opening, receiving, or lost (the dashboard is unreachable). */
export type StreamStatus = "connecting" | "live" | "down";

type Listener = (data: unknown) => void;

const listeners = new Map<string, Set<Listener>>();
const watchers = new Set<(status: StreamStatus) => void>();
let source: EventSource | undefined;
let status: StreamStatus = "connecting";

function setStatus(next: StreamStatus): void {
  status = next;
  for (const w of watchers) w(next);
}

/**
 * Opens the page's stream with the topics and cursor of `<body>`, unless it is open; islands open
 * it when they mount, the shell after swapping in a page (islands in the header keep listening).
 */
export function openEventStream(): void {
  const topics = document.body.dataset.live;
  if (source !== undefined || !topics) return;
  const query = new URLSearchParams({ topics, after: document.body.dataset.liveAfter ?? "" });
  source = new EventSource(`/api/events?${query}`);
  source.onopen = () => setStatus("live");
  source.onerror = () => setStatus("down");
  for (const topic of topics.split(",")) {
    source.addEventListener(topic, (m) => {
      const data: unknown = JSON.parse((m as MessageEvent<string>).data);
      for (const fn of listeners.get(topic) ?? []) fn(data);
    });
  }
}

/**
 * Closes the page's stream (the shell swaps in another page, which opens its own with its
 * topics and cursor).
 */
export function closeEventStream(): void {
  source?.close();
  source = undefined;
  setStatus("connecting");
}

/**
 * Calls `onData` with the data of every `topic` event of the page's live stream.
 *
 * @param topic the named event, e.g. `"units"`
 * @param onData receives each event's parsed data (the latest closure is always used)
 * @returns the stream's status
 */
export function useEventStream<T>(topic: LiveTopic, onData: (data: T) => void): StreamStatus {
  const [current, setCurrent] = useState<StreamStatus>(status);
  const handler = useRef(onData);
  handler.current = onData;
  useEffect(() => {
    const fn: Listener = (data) => handler.current(data as T);
    const set = listeners.get(topic) ?? new Set();
    listeners.set(topic, set.add(fn));
    watchers.add(setCurrent);
    setCurrent(status);
    openEventStream();
    return () => {
      set.delete(fn);
      watchers.delete(setCurrent);
    };
  }, [topic]);
  return current;
}
