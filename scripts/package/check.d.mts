// Types for the tests.
export interface ArchiveEntry {
  path: string;
  directory: boolean;
  mode?: number;
  size: number;
}
export interface Archive {
  entries: ArchiveEntry[];
  read(path: string): Promise<Buffer>;
}
export interface Finding {
  rule: string;
  severity: 'error' | 'warning';
  message: string;
}
export interface CheckOptions {
  appId?: string;
  expectedBinaries?: string[];
}
export declare const BINARY_SUFFIXES: string[];
export declare const PLUGIN_ID_PATTERN: RegExp;
export declare function checkArchive(archive: Archive, options?: CheckOptions): Promise<Finding[]>;
export declare function checkZip(path: string, options?: CheckOptions): Promise<Finding[]>;
export declare function formatFindings(findings: Finding[]): { errors: number; warnings: number; lines: string[] };
