// Policy documents as the tests expect `setup` to write them (and as moto is given one).

/** The trust policy of a role that `root` (an account root ARN) may assume, with MFA only. */
export function mfaTrustPolicy(root: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: root },
        Action: 'sts:AssumeRole',
        Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
      },
    ],
  };
}
