// Types for the tests.
export declare const NOT_SHIPPED: string[];
export interface ArchiveFileEntry {
  path: string;
  directory: boolean;
  file?: string;
  mode: number;
  mtime: Date;
  size: number;
}
export declare function archiveEntries(
  distDir: string,
  options: { topFolder: string; exclude?: string[] },
): Promise<{ entries: ArchiveFileEntry[]; executables: string[]; repairedModes: string[] }>;
