# Shared by nunect's OpenWRT init scripts (installed as /usr/lib/nunect-guardian/procd_env.sh):
# a program's environment from UCI, falling back to its env file.

# Value of one variable in an env file (last assignment wins), without surrounding quotes.
# Usage: env_file_value FILE NAME
env_file_value() {
	[ -f "$1" ] || return 0
	sed -n "s/^[[:space:]]*$2=//p" "$1" | tail -n 1 | sed 's/^"\(.*\)"$/\1/'
}

# Appends NAME=value to the open procd instance's environment for every NAME given: the option
# of UCI section nunect.SECTION named like the variable in lower case, else the env file's value;
# unset and empty ones are left out. Usage: procd_env SECTION FILE NAME...
procd_env() {
	local section=$1 file=$2 var opt value
	shift 2
	for var in "$@"; do
		opt=$(echo "$var" | tr 'A-Z' 'a-z')
		value=
		config_get value "$section" "$opt"
		[ -n "$value" ] || value=$(env_file_value "$file" "$var")
		[ -n "$value" ] && procd_append_param env "$var=$value"
	done
	return 0
}
