/** Path of the pre-bundled ioredis module the workers project aliases `ioredis` to. */
export declare const ioredisBundlePath: string;
/** Builds the bundle unless an up-to-date one is there; resolves its path. */
export declare function buildIoredisBundle(): Promise<string>;
