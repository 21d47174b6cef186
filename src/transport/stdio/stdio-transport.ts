/**
 * The MCP stdio transport: newline-delimited JSON-RPC on stdin/stdout, one client (the process that
 * started us). stdout carries protocol messages only; logs go to stderr.
 *
 * Unlike WebSocket, nothing here ends the connection on a bad message: the client is our parent and
 * the pipe is all it has, so a bad line gets an error line back and reading goes on.
 */
import type { Principal } from "../../pipeline/types.ts";
import type { McpServer } from "../../server/mcp-server.ts";
import type { SessionHub } from "../../session/hub.ts";
import type { Logger } from "../../log.ts";
import { JsonRpcConnection } from "../connection.ts";

/** Yielded in place of a line longer than the limit (its bytes were skipped, not buffered). */
export const LINE_TOO_LONG = Symbol("line too long");

const NEWLINE = 0x0a;

/**
 * Splits a byte stream on "\n" (dropping a "\r" before it), decoding each line as UTF-8. Splitting bytes
 * rather than decoded text is safe because 0x0A never occurs inside a multi-byte UTF-8 sequence. A line
 * longer than `maxBytes` is skipped up to its newline as it streams in, so memory stays bounded.
 */
export async function* readLines(input: AsyncIterable<Uint8Array>, maxBytes: number): AsyncGenerator<string | typeof LINE_TOO_LONG> {
  const decoder = new TextDecoder();
  let parts: Uint8Array[] = [];
  let size = 0;
  let skipping = false;
  const finish = (tail: Uint8Array): string | typeof LINE_TOO_LONG => {
    const bytes = parts.length === 0 ? tail : Buffer.concat([...parts, tail]);
    parts = [];
    size = 0;
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
    return end > maxBytes ? LINE_TOO_LONG : decoder.decode(bytes.subarray(0, end));
  };
  for await (const chunk of input) {
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      if (skipping) skipping = false;
      else yield finish(chunk.subarray(start, nl));
      start = nl + 1;
    }
    if (skipping || start === chunk.length) continue;
    const rest = chunk.subarray(start);
    size += rest.length;
    // +1 leaves room for the "\r" of a line that is exactly at the limit.
    if (size > maxBytes + 1) {
      parts = [];
      size = 0;
      skipping = true;
      yield LINE_TOO_LONG;
    } else {
      parts.push(rest.slice()); // copy: the stream may reuse its buffer
    }
  }
  if (!skipping && size > 0) yield finish(new Uint8Array(0)); // a last line without its newline
}

export interface StdioOptions {
  input: AsyncIterable<Uint8Array>;
  /** Writes one line; the transport adds the newline. */
  write(line: string): void;
  maxMessageBytes: number;
  /** The stdio client is whoever started the process; configured, not authenticated per message. */
  principal: Principal;
  /** After EOF, how long calls in flight may run before they are cancelled. */
  drainTimeoutMs: number;
}

export interface StdioTransport {
  /** Resolves after EOF, once every request got its answer (or was cancelled and answered so). */
  done: Promise<void>;
  /** Ends now: cancels calls in flight and waits for their answers (SIGTERM, or stdout is gone). */
  stop(): Promise<void>;
}

export function serveStdio(server: McpServer, hub: SessionHub, opts: StdioOptions, log: Logger): StdioTransport {
  const connection = new JsonRpcConnection(
    server,
    { send: opts.write },
    {
      maxMessageBytes: opts.maxMessageBytes,
      newSessionId: () => "stdio",
      onSession: (session) => hub.track(session),
      principal: opts.principal,
      source: { transport: "stdio" },
    },
    log,
  );
  const stop = async () => {
    connection.close();
    await connection.drain();
  };
  const done = (async () => {
    for await (const line of readLines(opts.input, opts.maxMessageBytes)) {
      if (line === LINE_TOO_LONG) connection.tooLarge();
      else if (line.trim() !== "") connection.receive(line);
    }
    log.debug("stdin closed", { inflight: connection.pending });
    // The client closed its end: let running calls answer (it may still read stdout), within limits.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), opts.drainTimeoutMs)));
    const late = await Promise.race([connection.drain().then(() => false), timedOut]);
    clearTimeout(timer);
    if (late) log.warn("cancelling calls still running after stdin closed", { inflight: connection.pending });
    await stop();
  })();
  return { done, stop };
}
