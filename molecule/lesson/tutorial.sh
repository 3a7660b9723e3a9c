#!/bin/sh
# A student's server built by hand, by the tutorial's steps (../../README.md: the tutorial), as the
# student types them on a bare Debian 12 or 13 server:
#   tutorial.sh DOMAIN      with the mail users in TUTORIAL_USERS ("name:password name:password")
# The answers to Postfix's questions are the tutorial's (Internet Site, mail.DOMAIN, no root
# recipient, no forced sync, the tutorial's 0.0.0.0/0 networks, a 5 MB mailbox, IPv4).
set -eu
domain=$1
host=mail.$domain

# Steps 4-16: Postfix's questions.
debconf-set-selections <<ANSWERS
postfix postfix/main_mailer_type select Internet Site
postfix postfix/mailname string $host
postfix postfix/root_address string
postfix postfix/destinations string $host, $domain, localhost.localdomain, localhost
postfix postfix/chattr boolean false
postfix postfix/mynetworks string 127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128 0.0.0.0/0
postfix postfix/mailbox_limit string 5242880
postfix postfix/recipient_delim string +
postfix postfix/protocols select ipv4
ANSWERS

# Step 3: the packages.
DEBIAN_FRONTEND=noninteractive apt-get install -y -q postfix dovecot-imapd dovecot-pop3d

# Step 11, done right: the domain among Postfix's own destinations (the installer's default names
# mail.DOMAIN but not DOMAIN, and mail to USER@DOMAIN would loop back to this server, its MX: the
# check's Mailbox row says so). Steps 17-18: Postfix delivers into ~/Maildir/. A 5 MB mailbox takes
# no message above 5 MB.
postconf -e "mydestination = \$myhostname, $domain, $host, localhost.localdomain, localhost" \
    home_mailbox=Maildir/ message_size_limit=5242880

# Steps 19-20: Dovecot reads ~/Maildir (Dovecot 2.4, on Debian 13, names it mail_driver and mail_path).
mail=/etc/dovecot/conf.d/10-mail.conf
case $(dovecot --version) in
    2.3*) sed -i 's|^#\?mail_location =.*|mail_location = maildir:~/Maildir|' "$mail" ;;
    *) sed -i -e 's|^#\?mail_driver =.*|mail_driver = maildir|' -e 's|^#\?mail_path =.*|mail_path = ~/Maildir|' \
              -e 's|^\(mail_inbox_path =.*\)|#\1|' "$mail" ;;
esac

# The mail users, as Linux users with a password.
for pair in ${TUTORIAL_USERS:-}; do
    name=${pair%%:*}
    id "$name" >/dev/null 2>&1 || adduser --disabled-password --gecos "" "$name" >/dev/null
    printf '%s\n' "$pair" | chpasswd
done

systemctl restart postfix dovecot
