/** The Swagger UI files copied into the Workers static-assets directory. */
export declare const docsAssetFiles: string[];
/** The `[assets] directory` of wrangler.toml. */
export declare const docsAssetsDirectory: string;
/** Copies the files; resolves to the directory. */
export declare function writeDocsAssets(): Promise<string>;
