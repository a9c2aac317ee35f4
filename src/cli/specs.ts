// Every command's usage, purpose, flags and examples: the one table that parsing, --help and
// completion read. Kept apart from the commands so that only the command that runs is loaded.

import { CREDENTIAL_FLAGS, MFA_TOKEN_FLAG, PROMPT_FLAG, defineCommand } from './args.js';

export const addSpec = defineCommand({
  name: 'add',
  positional: 'profile',
  usage: 'mfa-exec add <profile> [--env] [--add-config]',
  purpose:
    'Store the long-lived access key of an IAM user in the keychain (hidden prompt), never in ~/.aws/credentials.',
  flags: {
    env: {
      type: 'boolean',
      description: 'read AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the environment instead of prompting',
    },
    'add-config': {
      type: 'boolean',
      description: 'add [profile NAME] to the config file when it is not there (as aws-vault add --add-config)',
    },
  },
  examples: [
    'mfa-exec add test_iam_user',
    'AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… mfa-exec add test_iam_user --env',
  ],
});

export const clearSpec = defineCommand({
  name: 'clear',
  positional: 'profile',
  usage: 'mfa-exec clear [<profile>]',
  purpose:
    "Delete cached credentials: those the profile's chain uses (its role credentials and the MFA session under them), or all. Keys stay.",
  flags: {},
  examples: ['mfa-exec clear test', 'mfa-exec clear'],
});

export const completionSpec = defineCommand({
  name: 'completion',
  positional: ['bash', 'zsh', 'fish'],
  usage: 'mfa-exec completion [bash|zsh|fish]',
  purpose:
    'Print a shell completion script (commands, flags, and the profile names of your AWS config); the shell defaults to $SHELL.',
  flags: {
    profiles: {
      type: 'boolean',
      description: 'print the profile names of the AWS config files, one per line (the scripts call this)',
    },
  },
  examples: [
    'source <(mfa-exec completion bash)          # in ~/.bashrc',
    'mfa-exec completion zsh > "${fpath[1]}/_mfa-exec"   # or source <(mfa-exec completion zsh) after compinit',
    'mfa-exec completion fish > ~/.config/fish/completions/mfa-exec.fish',
  ],
});

export const doctorSpec = defineCommand({
  name: 'doctor',
  positional: 'profile',
  usage: 'mfa-exec doctor [<profile>] [--json]',
  purpose:
    "Check a profile's set-up and say how to fix what is wrong: config and chain, the stored key (and none left in ~/.aws/credentials), its age, the clock against STS, the MFA device, the role's MFA condition and the user's permissions. Exit 0 only when every check ran and passed.",
  flags: {
    json: {
      type: 'boolean',
      description: 'print the checks as JSON: {"profile", "ok", "checks": [{"check", "status", "message", "fix"}]}',
    },
    region: {
      type: 'string',
      arg: 'REGION',
      description: 'region for STS and IAM',
      default: 'AWS_REGION, AWS_DEFAULT_REGION, the profile',
    },
  },
  examples: [
    'mfa-exec doctor test',
    'mfa-exec doctor test --json | jq \'.checks[] | select(.status == "fail")\'',
    'mfa-exec doctor          # every profile: config and keys left in the credentials file',
  ],
});

export const execSpec = defineCommand({
  name: 'exec',
  positional: 'profile',
  commandAfter: 1,
  usage:
    'mfa-exec exec [<profile>] [options] [--] [<command> [args...]]   (or: mfa-exec <profile> <command>; the profile defaults to AWS_PROFILE)',
  purpose:
    'Run a command, or a subshell ($SHELL, else /bin/sh), with temporary credentials for the profile in its environment. Options end at the command: every word from the command on is its own.',
  flags: {
    ...CREDENTIAL_FLAGS,
    'ecs-server': {
      type: 'boolean',
      description: 'serve refreshing credentials to the child on 127.0.0.1 instead of static variables',
    },
  },
  examples: [
    'mfa-exec prod -- terraform plan',
    'mfa-exec prod -- aws sts get-caller-identity',
    'mfa-exec prod                          # a subshell with the credentials',
    'mfa-exec exec prod --duration 4h -- terraform apply',
  ],
});

export const exportSpec = defineCommand({
  name: 'export',
  positional: 'profile',
  usage: 'mfa-exec export <profile> [--format env|shell|json|ini] [options]',
  purpose: 'Print the temporary credentials of a profile; `--format json` is the credential_process format.',
  flags: {
    ...CREDENTIAL_FLAGS,
    region: {
      ...CREDENTIAL_FLAGS.region,
      description: 'region for STS, and the region written in the env, shell and ini output',
    },
    format: {
      type: 'string',
      short: 'f',
      choices: ['env', 'shell', 'json', 'ini'],
      description: 'env (KEY=value), shell (export lines), json (credential_process), ini',
      default: 'env',
    },
  },
  examples: [
    'mfa-exec export prod --format json     # credential_process = mfa-exec export prod --format json',
    'eval "$(mfa-exec export prod --format shell)"',
    'mfa-exec export prod --format ini >> ~/.aws/credentials.tmp',
  ],
});

export const importSpec = defineCommand({
  name: 'import',
  positional: 'profile',
  usage: 'mfa-exec import [<profile>...] [--scrub]',
  purpose:
    'Copy long-lived keys from the shared credentials file into the keychain; --scrub then removes exactly those key lines from the file.',
  flags: {
    scrub: {
      type: 'boolean',
      description:
        'after storing and verifying every key, remove its two lines from the credentials file (atomic rewrite)',
    },
  },
  examples: [
    'mfa-exec import test_iam_user --scrub',
    'mfa-exec import            # every profile with a key in ~/.aws/credentials',
  ],
});

export const listSpec = defineCommand({
  name: 'list',
  usage: 'mfa-exec list [--json]',
  purpose: 'List every profile, whether a key is stored for it, and its cached sessions with their expiry.',
  flags: { json: { type: 'boolean', description: 'print a JSON array (stable field names) instead of a table' } },
  examples: ['mfa-exec list', "mfa-exec list --json | jq -r '.[] | select(.hasStoredKey) | .profile'"],
});

export const loginSpec = defineCommand({
  name: 'login',
  positional: 'profile',
  usage: 'mfa-exec login <profile> [--stdout] [--path PATH] [options]',
  purpose:
    'Open the AWS console signed in as the profile. A profile without role_arn signs in with a GetFederationToken session of its stored key; MFA_EXEC_FEDERATION_URL replaces the sign-in federation endpoint.',
  flags: {
    ...CREDENTIAL_FLAGS,
    stdout: {
      type: 'boolean',
      description: 'print the sign-in URL (a secret, valid 15 minutes) instead of opening a browser',
    },
    path: {
      type: 'string',
      arg: 'PATH',
      description: 'console page to land on, e.g. /s3 or /ec2/home',
      default: 'the console home in the region',
    },
  },
  examples: ['mfa-exec login prod', 'mfa-exec login prod --path /s3', 'mfa-exec login prod --stdout | pbcopy'],
});

export const removeSpec = defineCommand({
  name: 'remove',
  positional: 'profile',
  usage: 'mfa-exec remove <profile> [--force]',
  purpose:
    'Delete the stored key of a profile and every cached credential derived from it, after asking y/N on the terminal.',
  flags: {
    force: {
      type: 'boolean',
      short: 'f',
      description: 'do not ask (needed where there is no terminal, e.g. in scripts)',
    },
  },
  examples: ['mfa-exec remove test_iam_user', 'mfa-exec remove old_user --force'],
});

export const rotateSpec = defineCommand({
  name: 'rotate',
  positional: 'profile',
  usage: 'mfa-exec rotate <profile> [--mfa-token CODE] [--prompt DRIVER] [--region REGION]',
  purpose:
    "Replace the stored access key of the profile's IAM user: create a new key with the profile's MFA credentials, prove it works, store it, delete the old one and clear the cached sessions. The credentials used (the role's, or the MFA session of a profile without a role) need iam:CreateAccessKey, iam:ListAccessKeys and iam:DeleteAccessKey on the user.",
  flags: {
    region: {
      type: 'string',
      arg: 'REGION',
      description: 'region for STS and IAM',
      default: 'AWS_REGION, AWS_DEFAULT_REGION, the profile',
    },
    'mfa-token': MFA_TOKEN_FLAG,
    prompt: PROMPT_FLAG,
  },
  examples: ['mfa-exec rotate test', 'mfa-exec rotate test --mfa-token 123456'],
});

export const setupSpec = defineCommand({
  name: 'setup',
  usage:
    'mfa-exec setup --user U --role R [--profile P] [--policy-arn ARN]... [--admin-profile A] [--region X] [--store-totp] [--dry-run]',
  purpose:
    'Create the IAM set-up mfa-exec is made for: role R that trusts the account and requires MFA, user U allowed only sts:AssumeRole on it, a virtual MFA device, the access key straight into the store, and the profiles U and P in the config file. Run it again to finish a set-up that stopped midway.',
  flags: {
    user: { type: 'string', arg: 'U', description: 'the IAM user to create (also the name of its profile)' },
    role: { type: 'string', arg: 'R', description: 'the IAM role to create' },
    profile: { type: 'string', arg: 'P', description: 'the role profile to write', default: 'the role name' },
    'policy-arn': {
      type: 'string',
      multiple: true,
      arg: 'ARN',
      description: 'a managed policy to attach to the role (repeatable)',
    },
    'admin-profile': {
      type: 'string',
      arg: 'A',
      completeProfiles: true,
      description: 'profile with IAM admin credentials (its key in the AWS files or the store, or its role)',
      default: 'AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY',
    },
    region: {
      type: 'string',
      arg: 'REGION',
      description: 'region written to both profiles',
      default: 'AWS_REGION, AWS_DEFAULT_REGION, the admin profile, us-east-1',
    },
    'mfa-token': { ...MFA_TOKEN_FLAG, description: 'MFA code for an admin profile that assumes a role' },
    prompt: PROMPT_FLAG,
    'store-totp': {
      type: 'boolean',
      description:
        "keep the new device's TOTP seed in the store and compute the codes (the second factor then lives on this machine)",
    },
    'dry-run': {
      type: 'boolean',
      description: 'print the plan and the exact policy documents; call no AWS API, write nothing',
    },
  },
  examples: [
    'mfa-exec setup --user test_iam_user --role CREATED_ROLE --profile test --policy-arn arn:aws:iam::aws:policy/ReadOnlyAccess --admin-profile admin',
    'mfa-exec setup --user ci --role deploy --policy-arn arn:aws:iam::aws:policy/PowerUserAccess --dry-run',
  ],
});

export const totpSpec = defineCommand({
  name: 'totp',
  positional: ['add', 'remove', 'list'],
  usage: 'mfa-exec totp add <mfa_serial> [--stdin] | mfa-exec totp remove <mfa_serial> | mfa-exec totp list',
  purpose:
    'Keep the TOTP seed (base32) of a virtual MFA device in the store; its codes are then computed whenever one is needed and no --prompt names another source. The second factor then lives on the same machine as the key.',
  flags: {
    stdin: { type: 'boolean', description: 'read the seed as one line from stdin instead of a hidden prompt' },
  },
  examples: [
    'mfa-exec totp add arn:aws:iam::123456789012:mfa/alice',
    'pass show aws/alice-totp | mfa-exec totp add arn:aws:iam::123456789012:mfa/alice --stdin',
    'mfa-exec totp list                   # the serials with a stored seed (never a seed)',
    'mfa-exec totp remove arn:aws:iam::123456789012:mfa/alice',
  ],
});
