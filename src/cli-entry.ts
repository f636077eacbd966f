/**
 * What bin/run.js starts: oclif's `execute`, from the command bundle (scripts/bundle-cli.mjs) so that the CLI, its
 * commands and oclif itself load as a few chunks instead of ~400 modules, and the commands share this oclif.
 */
export {execute} from '@oclif/core'
