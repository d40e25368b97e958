# bash completion for dpstack-ctl and dpstack (installed by meson install).
#
# dpstack-ctl's commands are not listed here: the running dpstack says what may follow the
# words typed so far (`dpstack-ctl complete WORDS`, the same answers as the interactive
# shell); without one, the command names of `dpstack-ctl help` (also from the daemon).

_dpstack_ctl() {
	local cur prev i
	local -a sock=() words=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	case $prev in
	-s | --socket | -f | --file)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "-s --socket -j --json -f --file -h --help" -- "$cur"))
		return
	fi
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-s | --socket)
			sock=(-s "${COMP_WORDS[i + 1]}")
			((i++))
			;;
		-j | --json) ;;
		*) words+=("${COMP_WORDS[i]}") ;;
		esac
	done
	local cands
	if ! cands=$(dpstack-ctl "${sock[@]}" complete "${words[@]}" "$cur" 2>/dev/null); then
		((${#words[@]} == 0)) || return
		cands=$(dpstack-ctl "${sock[@]}" help 2>/dev/null | awk 'NF { print $1 }' | sort -u)
	fi
	local IFS=$'\n'
	COMPREPLY=($(compgen -W "$cands" -- "$cur"))
}
complete -F _dpstack_ctl dpstack-ctl

_dpstack() {
	local cur prev i seen=0
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	for ((i = 1; i < COMP_CWORD; i++)); do
		[[ ${COMP_WORDS[i]} == -- ]] && seen=1
	done
	case $prev in
	-f | --file | --startup | -s | --socket)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	esac
	if ((seen)); then
		COMPREPLY=($(compgen -W "-f --file -s --socket --stats --config --startup --mbuf-size
			--rxd --txd --check -V --version -h --help" -- "$cur"))
	else
		COMPREPLY=($(compgen -W "-l -n -a --vdev --no-pci --no-huge -m --file-prefix
			--in-memory --log-level --socket-mem -- --version --help" -- "$cur"))
	fi
}
complete -F _dpstack dpstack
