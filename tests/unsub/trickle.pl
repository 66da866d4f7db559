#!/usr/bin/perl
# SPDX-License-Identifier: BSD-3-Clause (see LICENSE); Copyright (c) 2026 the consent-milter authors.
# trickle.pl - slow HTTP clients ("slowloris") against consent-unsubscribe
#
# Usage: trickle.pl HOST PORT COUNT SECONDS MODE READY [FROM]
#
# Opens COUNT connections to HOST:PORT (from the local address FROM,
# when given), then, once a second for SECONDS seconds, sends each
# connection still open one more piece of a request that it never
# finishes: MODE "header" sends "GET /u/x HTTP/1.1", Host, then one
# more header line a second; MODE "body" sends complete headers of a
# POST with Content-Length 1000, then one byte of body a second.
# Touches READY once every connection has sent its first piece.
#
# A connection counts as closed by the server when a read sees end of
# file or an error, or a write fails. Prints one line,
#   opened=N closed=M open=K
# then the age in seconds (from connect) at which each connection was
# seen closed, one a line, as "closed AGE". Perl is essential in Debian,
# and IO::Socket, IO::Select and Time::HiRes are in its core.

use strict;
use warnings;
use IO::Select;
use IO::Socket::INET;
use Time::HiRes qw(time sleep);

my ($host, $port, $count, $secs, $mode, $ready, $from) = @ARGV;
die "usage: trickle.pl HOST PORT COUNT SECONDS MODE READY [FROM]\n"
    unless defined $ready && ($mode eq 'header' || $mode eq 'body');
$SIG{PIPE} = 'IGNORE';

my @conns;	# [socket, connect time, closed age or undef]
for my $i (1 .. $count) {
    my $s = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port,
	Proto => 'tcp', Timeout => 5, ($from ? (LocalAddr => $from) : ()));
    if (!$s) {
	push @conns, [undef, time, 0];	# refused: closed at once
	next;
    }
    $s->blocking(0);
    my $first = $mode eq 'header'
	? "GET /u/x HTTP/1.1\r\nHost: x\r\n"
	: "POST /u/x HTTP/1.1\r\nHost: x\r\nContent-Type: "
	. "application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n";
    push @conns, [$s, time, undef];
    step($conns[-1], $first);
}
open(my $fh, '>', $ready) or die "$ready: $!\n";
close($fh);

# step - one look at a connection, then one more piece, if still open
sub step {
    my ($c, $piece) = @_;
    my $buf;

    return if defined $c->[2];
    if (IO::Select->new($c->[0])->can_read(0)) {
	my $n = sysread($c->[0], $buf, 4096);
	if (!defined $n || $n == 0) {
	    $c->[2] = time - $c->[1];
	    close($c->[0]);
	    return;
	}
	# An answer (e.g. 408) is fine; the close must still follow.
    }
    my $w = syswrite($c->[0], $piece);
    if (!defined $w && !$!{EAGAIN}) {
	$c->[2] = time - $c->[1];
	close($c->[0]);
    }
}

# Until SECONDS have passed, or every connection was closed (the
# outcome is known then: no need to sit out the rest).
my $start = time;
for my $round (1 .. $secs) {
    last unless grep { !defined $_->[2] } @conns;
    sleep($start + $round - time) if $start + $round > time;
    for my $c (@conns) {
	step($c, $mode eq 'header' ? "X-Slow-$round: y\r\n" : "a");
    }
}
# A last look, without sending: was anything closed in the last second?
step($_, '') for @conns;

my $closed = grep { defined $_->[2] } @conns;
printf "opened=%d closed=%d open=%d\n", scalar(@conns), $closed,
    scalar(@conns) - $closed;
printf "closed %.1f\n", $_->[2] for grep { defined $_->[2] } @conns;
