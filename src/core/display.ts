// Text from outside (profile names, section names, values from files) shown on a terminal:
// control characters could move the cursor or rewrite earlier lines, bidi controls could
// make one name look like another, so both are shown as visible escapes.

/** C0 and C1 controls, DEL, and the Unicode bidi controls (marks, embeddings, overrides, isolates). */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with every control or bidi character written as a visible escape (\x1b, \u202e). */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** JSON text with the bidi controls JSON.stringify leaves raw written as \uXXXX (the same JSON value). */
export function escapeBidiInJson(json: string): string {
  return json.replace(
    /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u0080-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * How to delete access key `accessKeyId` of `user` with the AWS CLI, naming the key by its last
 * 4 characters only (as everywhere mfa-exec shows a key): the full id is in `list-access-keys`.
 */
export function deleteKeyHint(user: string, accessKeyId: string): string {
  return `find the key ending in ${accessKeyId.slice(-4)} with \`aws iam list-access-keys --user-name ${user}\` and delete it with \`aws iam delete-access-key --user-name ${user} --access-key-id ID\``;
}
