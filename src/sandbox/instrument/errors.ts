/**
 * The one error type the instrumenter throws. The gateway turns it into a plugin
 * load failure, so the message must say what is wrong and where, in words an
 * operator can act on ("memory 0 starts at 300 pages, over the limit of 256").
 */
export class InstrumentError extends Error {
  /** Byte offset in the input module, when the problem has one. */
  readonly offset: number | undefined;

  constructor(message: string, offset?: number) {
    super(offset === undefined ? message : `${message} (at byte offset 0x${offset.toString(16)})`);
    this.name = "InstrumentError";
    this.offset = offset;
  }
}
