/**
 * Completion of pod, namespace and context names. @oclif/plugin-autocomplete (3.x) writes static scripts: commands and
 * flags only, `_files` for every value (it has no hook for dynamic values). After `meshctl autocomplete` (or
 * `autocomplete:create`) has written them, this postrun hook adds to each a function that asks `meshctl __complete`
 * for the names — for the `<pod>` argument of the commands that take one, for -n/--namespace and for --context — and
 * leaves every other word to the plugin's own completion.
 */
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import type {Command, Hook, Interfaces} from '@oclif/core'

const MARK = '# meshctl: pod, namespace and context names (meshctl __complete)'

/** What the scripts need to know of the CLI: which commands take pods, and which flags take a value. */
export interface CompletionSpec {
  bin: string
  /** Command ids (`explain:route`) whose first argument is a pod. */
  podCommands: string[]
  /** Every flag that takes a value (`-n`, `--namespace`, …): its value is not a positional argument. */
  valueFlags: string[]
}

export function completionSpec(config: Pick<Interfaces.Config, 'bin' | 'commands'>): CompletionSpec {
  const pod = new Set<string>()
  const value = new Set<string>()
  for (const c of config.commands as Command.Loadable[]) {
    if (c.hidden) continue
    const args = Object.keys(c.args ?? {})
    if (args[0] === 'pod' || args[0] === 'pods') for (const id of [c.id, ...(c.aliases ?? [])]) pod.add(id)
    for (const [name, f] of Object.entries(c.flags ?? {})) {
      if (f.type !== 'option') continue
      value.add(`--${name}`)
      if (f.char) value.add(`-${f.char}`)
    }
  }
  return {bin: config.bin, podCommands: [...pod].sort(), valueFlags: [...value].sort()}
}

/** The bash function, appended to the plugin's script; it takes over `complete -F` and falls back to the plugin's. */
export function bashAddition(s: CompletionSpec): string {
  const fn = `_${s.bin}_dynamic_autocomplete`
  return `
${MARK}
_${s.bin}_pod_commands=" ${s.podCommands.join(' ')} "
_${s.bin}_value_flags=" ${s.valueFlags.join(' ')} "
${fn}()
{
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="" kind="" joined="" w i
  local -a extra=()
  (( COMP_CWORD > 0 )) && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  for ((i=1; i<COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in
      -n|--namespace|--context|--kubeconfig) (( i+1 < COMP_CWORD )) && extra+=("$w" "\${COMP_WORDS[i+1]}") ;;
    esac
    if [[ "$w" == -* ]]; then
      [[ "$w" != *=* && "$_${s.bin}_value_flags" == *" $w "* ]] && ((i++))
      continue
    fi
    joined="\${joined:+$joined:}$w"
  done
  case "$prev" in
    -n|--namespace) kind=namespaces ;;
    --context) kind=contexts ;;
    *) [[ "$cur" != -* && "$_${s.bin}_pod_commands" == *" $joined "* ]] && kind=pods ;;
  esac
  if [[ -n "$kind" ]]; then
    local IFS=$'\\n'
    COMPREPLY=( $(compgen -W "$(${s.bin} __complete "$kind" "\${extra[@]}" 2>/dev/null)" -- "$cur") )
    return 0
  fi
  _${s.bin}_autocomplete
}
complete -F ${fn} ${s.bin}
`
}

/** The zsh function, inserted before the script's last line (the call of the main function). */
export function zshFunction(s: CompletionSpec): string {
  return `${MARK}
_${s.bin}_dynamic () {
  local kind=$1 joined="" w i
  local -a line_words extra names
  line_words=( \${(z)LBUFFER} )
  # The word being completed is not part of the command line yet.
  [[ $LBUFFER != *' ' ]] && line_words=( \${line_words[1,-2]} )
  for (( i=2; i<=\${#line_words}; i++ )); do
    w=\${line_words[i]}
    case $w in
      -n|--namespace|--context|--kubeconfig) (( i < \${#line_words} )) && extra+=( $w \${line_words[i+1]} ) ;;
    esac
    if [[ $w == -* ]]; then
      [[ $w != *=* && " ${s.valueFlags.join(' ')} " == *" $w "* ]] && (( i++ ))
      continue
    fi
    joined=\${joined:+$joined:}$w
  done
  if [[ $kind == args ]]; then
    if [[ " ${s.podCommands.join(' ')} " == *" $joined "* ]]; then kind=pods; else _files; return; fi
  fi
  names=( \${(f)"$(${s.bin} __complete $kind $extra 2>/dev/null)"} )
  compadd -a names
}
`
}

/** The plugin's bash script with the dynamic completion added (idempotent). */
export function patchBash(script: string, s: CompletionSpec): string {
  return script.includes(MARK) ? script : script.trimEnd() + '\n' + bashAddition(s)
}

/**
 * The plugin's zsh script with namespaces, contexts and pods completed: the -n/--namespace and --context values and
 * the positional arguments (`"*: :_files"`) call the dynamic function, which falls back to files where no pod is due.
 */
export function patchZsh(script: string, s: CompletionSpec): string {
  if (script.includes(MARK)) return script
  const body = script
    .replace(/(\{-n,--namespace\}"\[[^\n]*?\]):file:_files"/g, `$1:namespace:_${s.bin}_dynamic namespaces"`)
    .replace(/(--context"\[[^\n]*?\]):file:_files"/g, `$1:context:_${s.bin}_dynamic contexts"`)
    .replace(/"\*: :_files"/g, `"*: :_${s.bin}_dynamic args"`)
  const lines = body.trimEnd().split('\n')
  const last = lines.pop() ?? ''
  return [...lines, zshFunction(s), last, ''].join('\n')
}

const hook: Hook<'postrun'> = async function (opts) {
  const id = opts.Command?.id
  if (id !== 'autocomplete' && id !== 'autocomplete:create') return
  try {
    const spec = completionSpec(opts.config)
    const dir = join(opts.config.cacheDir, 'autocomplete', 'functions')
    const bash = join(dir, 'bash', `${spec.bin}.bash`)
    const zsh = join(dir, 'zsh', `_${spec.bin}`)
    if (existsSync(bash)) writeFileSync(bash, patchBash(readFileSync(bash, 'utf8'), spec))
    if (existsSync(zsh)) writeFileSync(zsh, patchZsh(readFileSync(zsh, 'utf8'), spec))
  } catch (error) {
    // Completion of names is a convenience: the plugin's scripts stay as they are.
    if (process.env.MESHCTL_DEBUG) process.stderr.write(`completion scripts not patched: ${(error as Error).stack}\n`)
  }
}

export default hook
