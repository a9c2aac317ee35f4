// How secrets and key ids may be shown.

/** A key id as it may be shown: its last 4 characters only. */
export function showKey(accessKeyId: string): string {
  return `…${accessKeyId.slice(-4)}`;
}
