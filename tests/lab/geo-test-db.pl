#!/usr/bin/perl
# Writes the lab's small MaxMind DB (City style) to the path given: four
# countries on /24s of 198.19.0.0/16, with continents, a US state and
# coordinates. Uses Debian's libmaxmind-db-writer-perl.
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my ($out) = @ARGV;
my %types = (continent => 'map', country => 'map', code => 'utf8_string',
	iso_code => 'utf8_string', location => 'map', latitude => 'double',
	longitude => 'double', subdivisions => ['array', 'map'], names => 'map',
	en => 'utf8_string');
sub geo {
	my ($cont, $cc, $sub, $lat, $lon) = @_;
	my %d = (continent => {code => $cont, names => {en => $cont}}, country => {iso_code => $cc});
	$d{subdivisions} = [{iso_code => $sub}] if $sub;
	$d{location} = {latitude => $lat, longitude => $lon};
	return \%d;
}
my $t = MaxMind::DB::Writer::Tree->new(ip_version => 6, record_size => 24,
	database_type => 'pop-lab-City', languages => ['en'],
	description => {en => 'pop lab geo test'}, map_key_type_callback => sub { $types{$_[0]} },
	remove_reserved_networks => 0, alias_ipv6_to_ipv4 => 1);
$t->insert_network('198.19.1.0/24', geo('EU', 'DE', undef, 52.52, 13.405));
$t->insert_network('198.19.2.0/24', geo('EU', 'FR', undef, 48.8566, 2.3522));
$t->insert_network('198.19.3.0/24', geo('NA', 'US', 'CA', 37.7749, -122.4194));
$t->insert_network('198.19.4.0/24', geo('AS', 'JP', undef, 35.6762, 139.6503));
open my $fh, '>:raw', $out or die "$out: $!";
$t->write_tree($fh);
close $fh or die;
