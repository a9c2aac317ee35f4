// The demo's child: asks STS who it is with the credentials it was given, and lists
// the AWS variables it received (values of secrets shortened to their last 4 characters).
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

const sts = new STSClient({ region: process.env.AWS_REGION ?? 'us-east-1' });
const me = await sts.send(new GetCallerIdentityCommand({}));
console.log(`  child: I am ${me.Arn}`);
for (const [k, v] of Object.entries(process.env).sort()) {
  if (!k.startsWith('AWS_') && k !== 'MFA_EXEC_PROFILE') continue;
  const secret = /SECRET|TOKEN|ACCESS_KEY_ID/.test(k) && !k.startsWith('AWS_ENDPOINT');
  console.log(`  child: ${k}=${secret ? `…${v.slice(-4)} (${v.length} chars)` : v}`);
}
