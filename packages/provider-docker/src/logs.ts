/**
 * The engine multiplexes stdout and stderr of a container without a TTY into frames:
 * an 8-byte header (stream 0/1/2, three zero bytes, the payload size big-endian) and the
 * payload. This turns such bytes (or the raw bytes of a TTY container) into lines.
 */

/** The payloads of a multiplexed log buffer, in order; undefined when it is not multiplexed. */
export function demultiplex(buffer: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < buffer.length) {
    if (offset + 8 > buffer.length) return undefined;
    const stream = buffer[offset];
    if (
      (stream !== 0 && stream !== 1 && stream !== 2) ||
      buffer[offset + 1] !== 0 ||
      buffer[offset + 2] !== 0 ||
      buffer[offset + 3] !== 0
    ) {
      return undefined;
    }
    const size = buffer.readUInt32BE(offset + 4);
    const end = offset + 8 + size;
    if (end > buffer.length) return undefined;
    parts.push(buffer.subarray(offset + 8, end));
    offset = end;
  }
  return Buffer.concat(parts);
}

/** Log bytes to lines, oldest first, without the final empty line. */
export function logLines(buffer: Buffer, tty: boolean): string[] {
  const text = (tty ? buffer : (demultiplex(buffer) ?? buffer)).toString('utf8');
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
