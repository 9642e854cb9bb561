import { describe, expect, test } from 'vitest';
import { demultiplex, logLines } from './logs.js';

const frame = (stream: number, text: string) => {
  const payload = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
};

describe('log demultiplexing', () => {
  test('stdout and stderr frames, in order, as lines', () => {
    const bytes = Buffer.concat([frame(1, 'one\ntw'), frame(2, 'o\n'), frame(1, 'three\n')]);
    expect(logLines(bytes, false)).toEqual(['one', 'two', 'three']);
  });

  test('a last line without newline is kept; empty logs are no lines', () => {
    expect(logLines(frame(1, 'a\nb'), false)).toEqual(['a', 'b']);
    expect(logLines(Buffer.alloc(0), false)).toEqual([]);
  });

  test('TTY (raw) bytes and bytes that are not frames are read as text', () => {
    expect(logLines(Buffer.from('x\r\ny\n'), true)).toEqual(['x', 'y']);
    expect(demultiplex(Buffer.from('plain text that is long enough'))).toBeUndefined();
    expect(logLines(Buffer.from('plain\n'), false)).toEqual(['plain']);
  });
});
