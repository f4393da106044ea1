/** Asks the OS for a free port on 127.0.0.1 (bind to 0, read the port, release it). */
export function freePort(): Promise<number>;
