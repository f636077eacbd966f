/**
 * Loads the UI (ink, React, the screens) only when a command opens it, so every other command starts without it.
 * In the built CLI this is a chunk of the command bundle (scripts/bundle-cli.mjs): one file to load, sharing the
 * engine's modules with the command that opened it.
 */
export type UiModule = typeof import('./entry.js')

export function loadUi(): Promise<UiModule> {
  return import('./entry.js')
}
