#!/usr/bin/perl
# copy the maintenance page into each vhost
my ($root, $page) = @ARGV;
opendir(R, $root) || die;
foreach my $site (readdir(R)) {
    next if $site =~ /^\./;
    open(T, "> $root/$site/maintenance.html"); print T "back soon"; close(T);
}
