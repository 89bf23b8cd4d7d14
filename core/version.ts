// The package version, as a constant so that core/ and the compiler need no file system.
// test/architecture.test.ts checks it against package.json.

export const PACKAGE_VERSION = '0.1.0';
