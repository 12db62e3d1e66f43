// Types of scripts/build-services.mjs, for the tests that import it.
export declare const SERVICES_OUTDIR: string;
/** bundle name -> entry point, relative to the repository */
export declare const SERVICE_ENTRIES: Record<'collector' | 'simulator' | 'healthcheck', string>;
/** Bundles the services into `outdir` (default build/services); the files written and their sizes. */
export declare function buildServices(outdir?: string): Promise<Array<{ file: string; bytes: number }>>;
