// Windows PE detail needed before injecting into node.exe.

const PE32_PLUS_MAGIC = 0x20b;
const PE32_MAGIC = 0x10b;
/** IMAGE_DIRECTORY_ENTRY_SECURITY: the Authenticode certificate table. */
const SECURITY_DIRECTORY = 4;

/**
 * Removes the Authenticode signature from a PE image, as `signtool remove /s` does: clears the
 * certificate-table directory entry and cuts the table off the end of the file.
 *
 * Why: injecting the application changes the image, so the official signature no longer
 * matches. Left in place, the rewritten file even keeps a directory entry pointing into the
 * wrong bytes ("signature corrupted"). An unsigned executable is the honest state until it is
 * signed again. The table is not mapped into memory, so the loader does not need it.
 * @param {Buffer} image
 * @returns {{ image: Buffer, removedBytes: number }}
 */
export function stripAuthenticode(image) {
  if (image.readUInt16LE(0) !== 0x5a4d) throw new Error('not a PE image (no MZ header)');
  const peHeader = image.readUInt32LE(0x3c);
  if (image.readUInt32LE(peHeader) !== 0x00004550) throw new Error('not a PE image (no PE signature)');
  const optionalHeader = peHeader + 4 + 20;
  const magic = image.readUInt16LE(optionalHeader);
  if (magic !== PE32_PLUS_MAGIC && magic !== PE32_MAGIC) throw new Error(`unknown PE optional header magic 0x${magic.toString(16)}`);
  const directories = optionalHeader + (magic === PE32_PLUS_MAGIC ? 112 : 96);
  const entry = directories + SECURITY_DIRECTORY * 8;
  // For this directory the "virtual address" is a file offset.
  const offset = image.readUInt32LE(entry);
  const size = image.readUInt32LE(entry + 4);
  if (offset === 0 || size === 0) return { image, removedBytes: 0 };
  // The table is the last thing in a signed file (padded to 8 bytes); anything after it would
  // be data we do not understand, so refuse rather than cut it off.
  if (offset + size < image.length - 7 || offset + size > image.length) {
    throw new Error(`certificate table at ${offset}+${size} is not at the end of the ${image.length}-byte file`);
  }
  const stripped = Buffer.from(image.subarray(0, offset));
  stripped.writeUInt32LE(0, entry);
  stripped.writeUInt32LE(0, entry + 4);
  return { image: stripped, removedBytes: image.length - offset };
}
