import { type Command, InvalidArgumentError } from 'commander';
import {
  type TenantLimitsInput,
  type TenantLimitsRecord,
  tenantLimitsRecordSchema,
} from '../../shared/index.ts';
import { commandContext } from '../context.ts';
import { type CliIo, printJson, printLines } from '../io.ts';
import { renderTable } from '../table.ts';

/** The word that puts a limit back to its tier's default (`null` in the admin API). */
const TIER_DEFAULT = 'default';

/**
 * A limit flag's value: a positive integer, or `default` (the tier's value again). Kept as the
 * word until the request is built: commander stores a parser's `null` as `''`.
 */
type LimitValue = number | typeof TIER_DEFAULT;

type LimitName = keyof TenantLimitsRecord['limits'];

/** Each limit: its flag (commander's camelCase key) and how the table names it. */
const LIMITS: ReadonlyArray<{ name: LimitName; flag: string; key: string; label: string }> = [
  {
    name: 'requests_per_minute',
    flag: '--requests-per-minute',
    key: 'requestsPerMinute',
    label: 'requests per minute',
  },
  {
    name: 'images_per_minute',
    flag: '--images-per-minute',
    key: 'imagesPerMinute',
    label: 'images per minute',
  },
  {
    name: 'concurrent_generations',
    flag: '--concurrent-generations',
    key: 'concurrentGenerations',
    label: 'concurrent sync generations',
  },
];

function limitValue(value: string): LimitValue {
  if (value === TIER_DEFAULT) return TIER_DEFAULT;
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < 1)
    throw new InvalidArgumentError(`expected a positive integer or "${TIER_DEFAULT}"`);
  return parsed;
}

/** The flags given, as the admin API's partial update (a flag left out keeps its override). */
function limitsInput(options: Readonly<Record<string, LimitValue | undefined>>): TenantLimitsInput | null {
  const input: Record<string, number | null> = {};
  for (const limit of LIMITS) {
    const value = options[limit.key];
    if (value !== undefined) input[limit.name] = value === TIER_DEFAULT ? null : value;
  }
  return Object.keys(input).length === 0 ? null : input;
}

function limitsTable(record: TenantLimitsRecord): string[] {
  const rows = LIMITS.map((limit) => ({
    label: limit.label,
    value: record.limits[limit.name],
    override: record.overrides[limit.name] !== null,
  }));
  return [
    `tenant ${record.tenant_id} (${record.tier})`,
    ...renderTable(
      [
        ['LIMIT', (row) => row.label],
        ['VALUE', (row) => String(row.value)],
        ['SOURCE', (row) => (row.override ? 'override' : `${record.tier} default`)],
      ],
      rows,
    ),
  ];
}

/**
 * `spillway tenants limits <id>`: shows what admission enforces for a tenant; with limit flags,
 * overrides those figures first (`default` removes an override).
 */
export function addTenantLimitsCommand(tenants: Command, io: CliIo): void {
  const command = tenants
    .command('limits')
    .description("show a tenant's admission limits; with flags, override them first")
    .argument('<id>', 'tenant id');
  for (const limit of LIMITS) {
    command.option(
      `${limit.flag} <n|${TIER_DEFAULT}>`,
      `${limit.label} (\`${TIER_DEFAULT}\`: the tier's)`,
      limitValue,
    );
  }
  command.action(async (id: string, options: Record<string, LimitValue | undefined>, self: Command) => {
    const context = commandContext(io, self);
    const admin = await context.admin();
    const path = `/v1/admin/tenants/${encodeURIComponent(id)}/limits`;
    const input = limitsInput(options);
    const record = input
      ? await admin.call('PUT', path, tenantLimitsRecordSchema, input)
      : await admin.call('GET', path, tenantLimitsRecordSchema);
    if (context.json) printJson(io, record);
    else printLines(io, ...limitsTable(record));
  });
}
