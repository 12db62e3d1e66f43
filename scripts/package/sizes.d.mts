// Types for the tests.
export interface DistSizes {
  plugins: Array<{ dir: string; id: string; type: string; moduleBytes: number; moduleGzipBytes: number; mapBytes: number }>;
  executables: Array<{ path: string; bytes: number }>;
}
export declare function measureDist(distDir: string, options?: { exclude?: string[] }): Promise<DistSizes>;
export declare function kib(bytes: number): string;
export declare function mib(bytes: number): string;
export declare function sizesMarkdown(
  sizes: DistSizes,
  archive: { zipBytes: number; zipName: string; entries: number; version: string; date: string; platforms: string[] },
): string;
export declare function replaceSizesSection(markdown: string, body: string): string;
export declare const SIZES_MARKERS: { START: string; END: string };
