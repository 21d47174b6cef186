/**
 * Module framing: the header and the section list. Sections are located once
 * up front so the rewrite can look ahead (the import and function sections
 * decide every index before the sections that use them are written) and so
 * malformed framing fails before any output is produced.
 */
import { InstrumentError } from "./errors.ts";
import { ByteReader } from "./reader.ts";

export interface Section {
  id: number;
  /** Offset of the section id byte. */
  headerStart: number;
  /** Content range [start, end). */
  start: number;
  end: number;
}

export const SEC_CUSTOM = 0;
export const SEC_TYPE = 1;
export const SEC_IMPORT = 2;
export const SEC_FUNCTION = 3;
export const SEC_TABLE = 4;
export const SEC_MEMORY = 5;
export const SEC_GLOBAL = 6;
export const SEC_EXPORT = 7;
export const SEC_START = 8;
export const SEC_ELEMENT = 9;
export const SEC_CODE = 10;
export const SEC_DATA = 11;
export const SEC_DATA_COUNT = 12;
export const SEC_TAG = 13;

/** Required order of the non-custom sections (the tag section sits between memory and global). */
export const SECTION_RANK: readonly number[] = [0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 11, 6];

const NAMES = ["custom", "type", "import", "function", "table", "memory", "global", "export", "start", "element",
  "code", "data", "data count", "tag"];

export function sectionName(id: number): string {
  return NAMES[id] ?? `#${id}`;
}

export function parseSections(bytes: Uint8Array): Section[] {
  if (bytes.length < 8 || bytes[0] !== 0x00 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new InstrumentError("not a WebAssembly module (missing the \\0asm magic number)", 0);
  }
  const version = bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16) | (bytes[7]! << 24);
  if (version !== 1) {
    const what = version === 0x1000d ? "a WebAssembly component, not a core module" : `binary version ${version}`;
    throw new InstrumentError(`unsupported WebAssembly binary: ${what}`, 4);
  }
  const r = new ByteReader(bytes, 8);
  const sections: Section[] = [];
  let lastRank = 0;
  while (!r.atEnd) {
    const headerStart = r.pos;
    const id = r.u8();
    if (id > SEC_TAG) r.fail(`unknown section id ${id}`, headerStart);
    const size = r.u32();
    const start = r.pos;
    const end = start + size;
    if (end > bytes.length) r.fail(`${sectionName(id)} section runs past the end of the module`, headerStart);
    if (id !== SEC_CUSTOM) {
      const rank = SECTION_RANK[id]!;
      if (rank <= lastRank) r.fail(`${sectionName(id)} section is duplicated or out of order`, headerStart);
      lastRank = rank;
    }
    sections.push({ id, headerStart, start, end });
    r.pos = end;
  }
  return sections;
}
