// AWS config and credentials given as text to the parser, as if read from ~/.aws.

import { parseAwsFiles } from '../../src/adapters/aws-files.js';

/** `config` and `credentials` parsed as ~/.aws/config and ~/.aws/credentials (`lazy` as parseAwsFiles takes it). */
export function parseTexts(config: string, credentials = '', opts: { lazy?: boolean } = {}) {
  return parseAwsFiles(
    { path: '/h/.aws/config', label: '~/.aws/config', text: config },
    { path: '/h/.aws/credentials', label: '~/.aws/credentials', text: credentials },
    opts,
  );
}
