// Types for the tests, which build and read archives through these helpers.
export interface ZipInputEntry {
  path: string;
  directory?: boolean;
  file?: string;
  data?: Buffer;
  mode: number;
  mtime: Date;
}
export interface ZipListedEntry {
  path: string;
  directory: boolean;
  /** permission bits; undefined when the archive was not made on unix */
  mode: number | undefined;
  size: number;
  compressedSize: number;
}
export interface OpenZip {
  entries: ZipListedEntry[];
  read(path: string): Promise<Buffer>;
  close(): void;
}
export declare function writeZip(output: string, entries: ZipInputEntry[], options?: { compressionLevel?: number }): Promise<number>;
export declare function readZip(path: string): Promise<OpenZip>;
