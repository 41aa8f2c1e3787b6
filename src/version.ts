// The version printed by `regcache version`; the build stamps it from package.json.
export const VERSION: string = "0.1.0";
