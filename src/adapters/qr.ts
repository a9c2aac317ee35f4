// Showing a new virtual MFA device to an authenticator app on the terminal: a QR code of
// its otpauth:// URI (the maintained, dependency-free `qr`, loaded only here) and the URI itself,
// to paste or type. Half-block characters: two modules a character cell, no colours needed.

import type { Terminal } from './tty.js';

/** Write the enrollment of device `serial` (a QR of its otpauth:// URI, which holds the seed) to the terminal only. */
export async function showEnrollment(tty: Terminal, serial: string, uri: string): Promise<void> {
  const { encodeQR } = await import('qr');
  const code = encodeQR(uri, 'ascii');
  tty.write(
    [
      '',
      `New virtual MFA device ${serial}.`,
      'Scan this QR code with your authenticator app (Google Authenticator, 1Password, …),',
      'or paste the otpauth URI below (the secret= part is the key to type by hand):',
      '',
      code,
      `  ${uri}`,
      '',
      'This is shown on the terminal only, once. Then enter two consecutive codes from the app.',
      '',
    ].join('\n'),
  );
}
