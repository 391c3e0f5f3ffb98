-- Demo data, step 1 of 5: helpers and reference data.
--
-- `cdtt seed-demo` runs the files of db/seed/ in order, in one transaction, after setting
-- cdtt.seed_scale (1-100). Everything made here is temporary: functions in pg_temp, tables
-- dropped at commit. The data are deterministic: every "random" choice is seed_rand(key),
-- an md5 of a key built from stable codes, so a run gives the same rows on any machine (only
-- activity dates move with the seeding date, and timestamps and the admin password differ).

-- A number in [0, 1) from a key.
CREATE FUNCTION pg_temp.seed_rand(key text) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN ('x' || substr(md5(key), 1, 8))::bit(32)::bigint::float8 / 4294967296.0;

-- The i-th (0-3) number in [0, 1) of a digest: four numbers for the price of one md5.
CREATE FUNCTION pg_temp.seed_part(digest text, i int) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN ('x' || substr(digest, 1 + 8 * i, 8))::bit(32)::bigint::float8 / 4294967296.0;

-- A version-4-shaped UUID from a key, so that ids too are the same on every run.
CREATE FUNCTION pg_temp.seed_uuid(key text) RETURNS uuid
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN overlay(overlay(md5(key) PLACING '4' FROM 13) PLACING '8' FROM 17)::uuid;

-- One element of items, uniformly by u in [0, 1).
CREATE FUNCTION pg_temp.seed_pick(items text[], u float8) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN items[1 + floor(u * cardinality(items))::int];

-- One element of items, with the given weights, by u in [0, 1). (PL/pgSQL: a tenth of the time
-- of the same in SQL with window functions.)
CREATE FUNCTION pg_temp.seed_pick_weighted(items text[], weights int[], u float8) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
DECLARE
    total int := 0;
    upto int := 0;
    w int;
BEGIN
    FOREACH w IN ARRAY weights LOOP
        total := total + w;
    END LOOP;
    FOR i IN 1 .. cardinality(weights) LOOP
        upto := upto + weights[i];
        IF upto > u * total THEN
            RETURN items[i];
        END IF;
    END LOOP;
    RETURN items[cardinality(items)];
END $$;

-- "Hố Quáng Phìn" -> "HQP": the readable part of a unit code.
CREATE FUNCTION pg_temp.seed_initials(name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN (SELECT upper(string_agg(left(w, 1), '' ORDER BY o))
          FROM regexp_split_to_table(public.search_fold(name), '\s+') WITH ORDINALITY AS t(w, o)
         WHERE w <> '');

-- The date the data are built around: "today" where the teams are (Vietnam, UTC+7), and never
-- later than the server's own date, so that no activity is in the future for anyone.
CREATE TEMP TABLE seed_settings ON COMMIT DROP AS
SELECT current_setting('cdtt.seed_scale')::int AS scale,
       least(current_date, (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date) AS today;

-- Hà Giang before the 2025 reform: a city and ten districts, 193 communes, wards and towns.
-- Communes are listed as "name" (xã), "P:name" (phường, ward) or "T:name" (thị trấn, town).
-- eth/eth_w: the ethnic mix members are drawn from (the province's statistics, rounded);
-- activity: how busy the district's teams are (the lowlands and the city a little more).
CREATE TEMP TABLE seed_district (
    ord      int PRIMARY KEY,
    abbr     text NOT NULL,
    name     text NOT NULL,
    eth      text[] NOT NULL,
    eth_w    int[] NOT NULL,
    activity float8 NOT NULL,
    communes text[] NOT NULL
) ON COMMIT DROP;
INSERT INTO seed_district VALUES
(1, 'TP', 'Thành phố Hà Giang',
 '{Kinh,Tày,Nùng,Dao,H''Mông,Giáy}', '{52,30,6,6,4,2}', 1.2,
 '{P:Quang Trung,P:Trần Phú,P:Ngọc Hà,P:Nguyễn Trãi,P:Minh Khai,Ngọc Đường,Phương Độ,Phương Thiện}'),
(2, 'DV', 'Đồng Văn',
 '{H''Mông,Kinh,Giáy,Lô Lô,Tày,Dao}', '{86,4,4,3,2,1}', 0.9,
 '{T:Đồng Văn,T:Phó Bảng,Lũng Cú,Má Lé,Lũng Táo,Phố Là,Thài Phìn Tủng,Sủng Là,Xà Phìn,Tả Phìn,'
 'Tả Lủng,Phố Cáo,Sính Lủng,Sảng Tủng,Lũng Thầu,Hố Quáng Phìn,Vần Chải,Lũng Phìn,Sủng Trái}'),
(3, 'MV', 'Mèo Vạc',
 '{H''Mông,Dao,Giáy,Lô Lô,Kinh,Tày}', '{78,6,4,4,5,3}', 0.9,
 '{T:Mèo Vạc,Thượng Phùng,Pải Lủng,Xín Cái,Pả Vi,Giàng Chu Phìn,Sủng Trà,Sủng Máng,Sơn Vĩ,'
 'Tả Lủng,Cán Chu Phìn,Lũng Pù,Lũng Chinh,Tát Ngà,Nậm Ban,Khâu Vai,Niêm Tòng,Niêm Sơn}'),
(4, 'YM', 'Yên Minh',
 '{H''Mông,Dao,Tày,Giáy,Kinh,Nùng}', '{62,12,9,6,6,5}', 1.0,
 '{T:Yên Minh,Thắng Mố,Phú Lũng,Sủng Tráng,Bạch Đích,Na Khê,Sủng Thài,Hữu Vinh,Lao Và Chải,'
 'Mậu Duệ,Đông Minh,Mậu Long,Ngam La,Ngọc Long,Đường Thượng,Lũng Hồ,Du Tiến,Du Già}'),
(5, 'QBA', 'Quản Bạ',
 '{H''Mông,Dao,Tày,Kinh,Giáy,Bố Y,Nùng}', '{66,12,7,6,3,3,3}', 1.0,
 '{T:Tam Sơn,Bát Đại Sơn,Nghĩa Thuận,Cán Tỷ,Cao Mã Pờ,Thanh Vân,Tùng Vài,Đông Hà,Quản Bạ,'
 'Lùng Tám,Quyết Tiến,Tả Ván,Thái An}'),
(6, 'BM', 'Bắc Mê',
 '{Tày,Dao,H''Mông,Kinh,Nùng}', '{42,26,16,10,6}', 1.0,
 '{T:Yên Phú,Yên Định,Thượng Tân,Yên Cường,Đường Âm,Đường Hồng,Phiêng Luông,Giáp Trung,'
 'Minh Sơn,Yên Phong,Lạc Nông,Phú Nam,Minh Ngọc}'),
(7, 'HSP', 'Hoàng Su Phì',
 '{Nùng,Dao,La Chí,Tày,Kinh,H''Mông,Phù Lá}', '{40,30,10,8,6,4,2}', 0.95,
 '{T:Vinh Quang,Bản Máy,Thàng Tín,Thèn Chu Phìn,Pố Lồ,Bản Phùng,Túng Sán,Chiến Phố,Đản Ván,'
 'Tụ Nhân,Tân Tiến,Nàng Đôn,Pờ Ly Ngài,Sán Xả Hồ,Bản Luốc,Ngàm Đăng Vài,Bản Nhùng,'
 'Tả Sử Choóng,Nậm Dịch,Hồ Thầu,Nam Sơn,Nậm Ty,Thông Nguyên,Nậm Khòa}'),
(8, 'VX', 'Vị Xuyên',
 '{Tày,Dao,Kinh,H''Mông,Nùng,Giáy}', '{38,20,18,12,8,4}', 1.1,
 '{T:Vị Xuyên,T:Việt Lâm,Minh Tân,Thuận Hòa,Tùng Bá,Thanh Thủy,Thanh Đức,Phong Quang,Xín Chải,'
 'Phương Tiến,Lao Chải,Cao Bồ,Đạo Đức,Thượng Sơn,Linh Hồ,Quảng Ngần,Việt Lâm,Ngọc Linh,'
 'Ngọc Minh,Bạch Ngọc,Trung Thành,Kim Thạch,Phú Linh,Kim Linh}'),
(9, 'XM', 'Xín Mần',
 '{Nùng,H''Mông,Dao,La Chí,Tày,Kinh,Phù Lá}', '{38,22,14,10,7,5,4}', 0.95,
 '{T:Cốc Pài,Thèn Phàng,Nàn Xỉn,Bản Díu,Chí Cà,Xín Mần,Pà Vầy Sủ,Thu Tà,Nấm Dẩn,Quảng Nguyên,'
 'Nà Chì,Khuôn Lùng,Cốc Rế,Tả Nhìu,Nàn Ma,Bản Ngò,Chế Là,Trung Thịnh,Ngán Chiên}'),
(10, 'BQ', 'Bắc Quang',
 '{Tày,Kinh,Dao,Nùng,Pà Thẻn,H''Mông}', '{42,33,13,7,3,2}', 1.15,
 '{T:Việt Quang,T:Vĩnh Tuy,Tân Quang,Đồng Tâm,Tân Lập,Tân Thành,Đồng Tiến,Thượng Bình,Hữu Sản,'
 'Kim Ngọc,Việt Vinh,Bằng Hành,Quang Minh,Liên Hiệp,Vô Điếm,Việt Hồng,Hùng An,Đức Xuân,'
 'Tiên Kiều,Vĩnh Hảo,Vĩnh Phúc,Đồng Yên,Đông Thành}'),
(11, 'QBI', 'Quang Bình',
 '{Tày,Kinh,Dao,Nùng,Pà Thẻn,H''Mông}', '{45,20,18,8,5,4}', 1.05,
 '{T:Yên Bình,Bằng Lang,Xuân Giang,Nà Khương,Tiên Nguyên,Yên Hà,Yên Thành,Vĩ Thượng,Hương Sơn,'
 'Tân Trịnh,Tân Bắc,Tân Nam,Tiên Yên,Xuân Minh}');

-- The communes of one province, with the readable part of their code (initials, numbered
-- when two in a district share them).
CREATE TEMP TABLE seed_commune ON COMMIT DROP AS
WITH listed AS (
    SELECT d.ord AS dord, d.abbr AS district, c.o::int AS ord,
           CASE left(c.entry, 2) WHEN 'P:' THEN 'ward' WHEN 'T:' THEN 'town' ELSE 'commune' END AS kind,
           regexp_replace(c.entry, '^[PT]:', '') AS bare
      FROM seed_district d, unnest(d.communes) WITH ORDINALITY AS c(entry, o)
), coded AS (
    SELECT listed.*, pg_temp.seed_initials(bare) AS initials,
           row_number() OVER (PARTITION BY district, pg_temp.seed_initials(bare) ORDER BY ord) AS dup
      FROM listed
)
SELECT dord, district, ord, kind,
       CASE kind WHEN 'ward' THEN 'Phường ' || bare WHEN 'town' THEN 'Thị trấn ' || bare
                 ELSE bare END AS name,
       initials || CASE WHEN dup > 1 THEN dup::text ELSE '' END AS abbr
  FROM coded;

-- Who members are. Given names and middle names per tradition; the language each group
-- speaks besides Vietnamese (ISO 639-3, alternatives with weights; Lô Lô has no code in the
-- `languages` table, and many Lô Lô and Giáy speak H'Mông).
CREATE TEMP TABLE seed_ethnicity (
    name          text PRIMARY KEY,
    surnames      text[] NOT NULL,
    middle_male   text[] NOT NULL,
    middle_female text[] NOT NULL,
    given         text NOT NULL,      -- key into seed_given
    langs         text[] NOT NULL,    -- '' for none
    langs_w       int[] NOT NULL,
    village_names text NOT NULL       -- key into seed_syllables
) ON COMMIT DROP;
INSERT INTO seed_ethnicity VALUES
('Kinh', '{Nguyễn,Nguyễn,Nguyễn,Nguyễn,Trần,Trần,Lê,Lê,Phạm,Phạm,Hoàng,Vũ,Đỗ,Bùi,Đặng,Ngô,Dương,Đinh,Phan,Lưu}', '{Văn,Văn,Văn,Đức,Minh,Quang,Xuân,Hữu,Thanh,Ngọc,Công,Mạnh}', '{Thị,Thị,Thị,Thị,Thu,Thanh,Ngọc,Hồng,Phương,Minh,Kim,Bích}', 'sino', '{""}', '{1}', 'kinh'),
('H''Mông', '{Giàng,Giàng,Giàng,Sùng,Sùng,Sùng,Vàng,Vàng,Thào,Thào,Lù,Mua,Ly,Hầu,Lầu,Vừ,Cứ,Thò,Má}', '{Mí,Mí,Seo,Seo,A,A,Văn,Chìa,Nhà,Sính}', '{Thị,Thị,Thị,Thị,Thị,Mí,Mỷ}', 'hmong', '{hmn,hnj,mww}', '{85,10,5}', 'hmong'),
('Tày', '{Nông,Nông,Nông,Hoàng,Hoàng,Ma,Ma,Lục,Đàm,Hà,Vi,Quan,Lương,Triệu,Nguyễn,Ngọc}', '{Văn,Văn,Văn,Văn,Đức,Quang,Thế,Minh,Xuân}', '{Thị,Thị,Thị,Thị,Thị,Thu,Thanh,Hồng}', 'sino', '{tyz}', '{1}', 'tay'),
('Nùng', '{Vương,Vương,Lục,Lục,Nông,Hoàng,Lương,Chu,Lù,Sần,Mã,Hoàng,Triệu}', '{Văn,Văn,Văn,Văn,Quang,Minh,Đức,Sào}', '{Thị,Thị,Thị,Thị,Thị,Thu}', 'sino', '{nut,tyz}', '{75,25}', 'tay'),
('Dao', '{Bàn,Bàn,Bàn,Triệu,Triệu,Triệu,Lý,Lý,Đặng,Đặng,Chảo,Phùng,Tẩn}', '{Văn,Văn,Văn,Tiến,Phúc,Tài,Kim,Quý,Minh}', '{Thị,Thị,Thị,Thị,Mùi,Mùi,Thị}', 'dao', '{ium,mji}', '{75,25}', 'dao'),
('Giáy', '{Vương,Sầm,Lù,Lù,Hoàng,Lò,Vàng,Lương}', '{Văn,Văn,Văn,Seo,Minh}', '{Thị,Thị,Thị}', 'sino', '{pcc,hmn,""}', '{60,20,20}', 'hmong'),
('Lô Lô', '{Lò,Lò,Sình,Sình,Vàng,Lý,Mè,Lồ}', '{Văn,Văn,Mí,Chín}', '{Thị,Thị,Thị}', 'hmong', '{"",hmn}', '{60,40}', 'hmong'),
('La Chí', '{Vương,Vương,Lù,Hoàng,Cháng,Chảo}', '{Văn,Văn,Văn,Quang}', '{Thị,Thị,Thị}', 'sino', '{lbt}', '{1}', 'tay'),
('Pà Thẻn', '{Sìn,Sìn,Chẩu,Lìu,Lăng,Vàng}', '{Văn,Văn,Văn,Minh}', '{Thị,Thị,Thị}', 'sino', '{pha}', '{1}', 'dao'),
('Phù Lá', '{Ly,Lò,Vàng,Phàn,Sần}', '{Văn,Văn,Seo}', '{Thị,Thị,Thị}', 'hmong', '{phh}', '{1}', 'hmong'),
('Bố Y', '{Lương,Lù,Sầm,Vương}', '{Văn,Văn,Văn}', '{Thị,Thị,Thị}', 'sino', '{pcc}', '{1}', 'hmong');
-- Only codes the `languages` table holds (it is corrected from time to time): any other
-- counts as none.
UPDATE seed_ethnicity e
   SET langs = ARRAY(SELECT CASE WHEN EXISTS (SELECT 1 FROM languages l WHERE l.code = c) THEN c ELSE '' END
                       FROM unnest(e.langs) WITH ORDINALITY AS t(c, o) ORDER BY o);

CREATE TEMP TABLE seed_given (tradition text, gender text, names text[]) ON COMMIT DROP;
INSERT INTO seed_given VALUES
('sino', 'male', '{Hùng,Dũng,Tuấn,Cường,Hải,Long,Nam,Thắng,Sơn,Quân,Trung,Hiếu,Đức,Mạnh,Tùng,Thành,'
                 'Phong,Kiên,Hưng,Bình,Huy,Lâm,Toàn,Khánh,Lợi,Quyết,Chiến,Thường,Đông,Nghĩa,Tiến,Hoàng}'),
('sino', 'female', '{Hoa,Lan,Hương,Mai,Hằng,Thủy,Ngọc,Huyền,Trang,Linh,Nga,Yến,Thảo,Hạnh,Dung,Loan,'
                   'Phương,Nhung,Hà,Vân,Oanh,Giang,Nhàn,Liên,Thắm,Thơm,Hiền,Duyên,Phượng,Lụa,Ngoan,Xuân}'),
('hmong', 'male', '{Páo,Chứ,Sử,Dính,Chơ,Lử,Vư,Sính,Chá,Lềnh,Tủa,Dũng,Hùng,Sình,Pó,Chúng,Súng,Chớ,Thề,'
                  'Say,Vả,Phừ,Mua,Dìa,Sùng,Chư,Của,Lình}'),
('hmong', 'female', '{Mỷ,Dở,Mai,Sua,Dua,Chở,Ly,Pàng,Súa,Mua,Dế,Chi,Say,Xo,Máy,Cở,Sinh,Lan,Hoa,Chía,'
                    'Vá,Mẩy,Dợ,Gíông}'),
('dao', 'male', '{Quý,Tài,Lâm,Phin,Chòi,Sinh,Nhất,Nguyên,Thành,Phú,Tiến,Hữu,Kiều,Chàn,Quẩy,Vần,Kim,'
                'Phẩy,Lở,Tòng,Dần,Hải}'),
('dao', 'female', '{Mai,Nhất,Xuân,Lan,Diện,Chài,Mẩy,Dần,Hoa,Phấy,Tá,Sao,Liễn,Ly,Nái,Kiều,Phượng}');

-- Village names: first and second syllables per naming tradition.
CREATE TEMP TABLE seed_syllables (tradition text PRIMARY KEY, first text[], second text[]) ON COMMIT DROP;
INSERT INTO seed_syllables VALUES
('hmong', '{Sủng,Lũng,Má,Séo,Tả,Chúng,Pả,Lùng,Xín,Cán,Sà,Khó,Mỏ,Há,Lầu,Pải,Sính,Chá,Sảng,Tìa,Ma,'
          'Súng,Phìn,Thèn,Lủng,Seo,Mã,Cờ}',
          '{Chải,Phìn,Lủng,Pả,Tủng,Sán,Vàng,Cáy,Chư,Chớ,Dìn,Lình,Phàng,Sì,Pao,Súng,Ván,Hồ,Tỷ,Mào,'
          'Cờ,Chử,Khai,Pó,Sình,Tráng,Lìa,Dào,Chồ,Nhìa}'),
('tay', '{Nà,Nà,Nà,Khuổi,Khuổi,Bản,Bản,Pác,Phiêng,Khâu,Nặm,Nặm,Cốc,Lũng,Thôm,Bó,Pù,Tát,Khau,Pắc,Nà,Cốc}',
        '{Lầu,Ngòa,Mòn,Luông,Ván,Mạ,Phầy,Khuông,Đon,Cại,Tẳng,Hon,Rìa,Sản,Pồng,Cuồng,Nhùng,Lệnh,'
        'Chang,Mu,Thàm,Nưa,Ba,Ngần,Quang,Pục,Vài,Sài,Lò,Diếu,Lốc,Coóc,Nưa,Mỏ}'),
('dao', '{Nậm,Nậm,Khuổi,Làng,Bản,Tân,Lùng,Khâu,Phìn,Cao,Na,Bản}',
        '{Tiến,Ngàn,Mác,Sửu,Dìn,Chang,Phin,Đáo,Pậu,Mìn,Lào,Hồ,Sán,Chạc,Lìn,Phùng,Thượng,Vạng,'
        'Quang,Sài,Mu}'),
('kinh', '{Tân,Hợp,Đồng,Trung,Thượng,Hạ,Làng,Xuân,Minh,Quyết,Thống,Việt,Vĩnh,An,Phúc,Tiến,Hòa,Kim,'
         'Đoàn,Cầu}',
         '{Thành,Tiến,Lợi,Hòa,Sơn,Tâm,Thắng,Yên,Phong,Hưng,Lập,Phát,Bình,Quang,Khánh,Nhất,Kết,'
         'Thịnh,Long,Mới}');

-- The catalogue activities refer to (a migration may already hold it: kept as it is then).
CREATE TEMP TABLE seed_service (code text PRIMARY KEY, name_vi text, name_en text, category text,
                                weight int, note text) ON COMMIT DROP;
INSERT INTO seed_service VALUES
('vneid_level2', 'Kích hoạt tài khoản định danh điện tử mức 2 (VNeID)',
 'Activate a level-2 electronic identity account (VNeID)', 'identity', 38,
 'Hướng dẫn bà con kích hoạt tài khoản định danh điện tử mức 2 trên ứng dụng VNeID'),
('chip_citizen_id', 'Làm thẻ căn cước công dân gắn chip', 'Apply for a chip-based citizen ID card',
 'identity', 7, 'Hỗ trợ bà con làm thủ tục cấp thẻ căn cước gắn chip'),
('public_service_portal', 'Cổng Dịch vụ công quốc gia', 'National public service portal',
 'public_services', 12, 'Hướng dẫn nộp hồ sơ trực tuyến trên Cổng Dịch vụ công quốc gia'),
('social_insurance_app', 'Ứng dụng bảo hiểm xã hội số (VssID)', 'Social insurance app (VssID)',
 'public_services', 6, 'Cài đặt VssID, tra cứu quá trình đóng bảo hiểm xã hội, bảo hiểm y tế'),
('e_health_book', 'Sổ sức khỏe điện tử', 'Electronic health book', 'health', 8,
 'Kích hoạt sổ sức khỏe điện tử trên VNeID'),
('utility_bill_payment', 'Thanh toán tiền điện, nước trực tuyến', 'Pay electricity and water bills online',
 'payments', 8, 'Hướng dẫn thanh toán tiền điện, nước qua ứng dụng ngân hàng'),
('cashless_payment', 'Thanh toán không dùng tiền mặt', 'Cashless payment', 'payments', 8,
 'Mở tài khoản, hướng dẫn thanh toán bằng mã QR'),
('online_shopping_safely', 'Mua bán trực tuyến an toàn', 'Shopping online safely', 'commerce', 3,
 'Hướng dẫn đưa nông sản lên sàn thương mại điện tử, mua bán an toàn'),
('smartphone_basics', 'Sử dụng điện thoại thông minh cơ bản', 'Smartphone basics', 'skills', 6,
 'Hướng dẫn sử dụng điện thoại thông minh cơ bản'),
('online_fraud_awareness', 'Phòng chống lừa đảo trực tuyến', 'Online fraud awareness', 'safety', 4,
 'Tuyên truyền phòng chống lừa đảo trực tuyến');

-- What this run made, for the summary line and the audit event.
CREATE TEMP TABLE seed_summary (province text PRIMARY KEY, units int, teams int, members int,
                                activities int, evaluations int) ON COMMIT DROP;
