import type { Command } from 'commander';
import { commandContext } from '../context.ts';
import { type CliIo, printJson, printLines } from '../io.ts';

/** A `DELETE` subcommand of an admin resource (`pools rm`, `providers rm`, `keys revoke`). */
export interface RemoveCommandSpec {
  readonly name: string;
  readonly description: string;
  /** What `<id>` names, for `--help`. */
  readonly idHelp: string;
  /** The admin path of the resource, before its id (`/v1/admin/pools`). */
  readonly collection: string;
  /** The `--json` answer's flag (`deleted`, `revoked`) and the sentence's verb (`removed`, `revoked`). */
  readonly jsonFlag: string;
  readonly sentence: (id: string) => string;
}

/** Adds a subcommand that deletes `<collection>/<id>` and says so, as one line or as JSON. */
export function addRemoveCommand(parent: Command, io: CliIo, spec: RemoveCommandSpec): void {
  parent
    .command(spec.name)
    .description(spec.description)
    .argument('<id>', spec.idHelp)
    .action(async (id: string, _options: object, command: Command) => {
      const context = commandContext(io, command);
      await (await context.admin()).send('DELETE', `${spec.collection}/${encodeURIComponent(id)}`);
      if (context.json) printJson(io, { id, [spec.jsonFlag]: true });
      else printLines(io, spec.sentence(id));
    });
}
