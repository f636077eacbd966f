/**
 * Loads the UI: the single-file bundle the build writes next to this module (fast start), else the modules
 * themselves (development with tsx, or a build without the bundle step). Both export the same functions.
 */
export type UiModule = typeof import('./entry.js')

export async function loadUi(): Promise<UiModule> {
  const bundle = new URL('./bundle.js', import.meta.url)
  try {
    return (await import(bundle.href)) as UiModule
  } catch (error) {
    if ((error as NodeJS.ErrnoException)?.code !== 'ERR_MODULE_NOT_FOUND') throw error
    return import('./entry.js')
  }
}
