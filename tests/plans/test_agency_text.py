"""split_agency_text and lead_from_section_title on the agency cells the real annexes contain.

Rows: every distinct "Cơ quan phối hợp" / "Đơn vị chủ trì" / "Đơn vị phối hợp" cell of seed 000
(Phụ lục I and II), seed 002 (Phụ lục) and the annex workbooks; the forms listed in
docs/domain.md ("Agencies as written in the tables"); agency lists from the plans' own text
(seed 000 and 003, "Tổ chức thực hiện" and "Nơi nhận"); and the edge cases the importer relies on.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from plans.importing.agency_text import lead_from_section_title, split_agency_text

ROOT = Path(__file__).resolve().parents[2]

CELLS = [
    # --- seed 000, Phụ lục I and II (Cơ quan phối hợp) -------------------------------------------
    (
        "Các sở, ban, ngành, UBND cấp huyện; Đài phát thanh và Truyền hình",
        ["Các sở, ban, ngành", "UBND cấp huyện", "Đài phát thanh và Truyền hình"],
    ),
    (
        "Văn phòng UBND tỉnh; các Sở: Tư pháp; Tài chính; Thông tin và Truyền thông; "
        "Khoa học và Công nghệ",
        [
            "Văn phòng UBND tỉnh",
            "Sở Tư pháp",
            "Sở Tài chính",
            "Sở Thông tin và Truyền thông",
            "Sở Khoa học và Công nghệ",
        ],
    ),
    (
        "Văn phòng UBND tỉnh; Các sở: Thông tin và Truyền thông; Tư pháp; Tài chính; "
        "Khoa học và Công nghệ",
        [
            "Văn phòng UBND tỉnh",
            "Sở Thông tin và Truyền thông",
            "Sở Tư pháp",
            "Sở Tài chính",
            "Sở Khoa học và Công nghệ",
        ],
    ),
    (
        "Các sở, ban, ngành, UBND cấp huyện, UBND cấp xã",
        ["Các sở, ban, ngành", "UBND cấp huyện", "UBND cấp xã"],
    ),
    ("Các sở, ban, ngành, UBND cấp huyện", ["Các sở, ban, ngành", "UBND cấp huyện"]),
    ("Các sở, ban, ngành", ["Các sở, ban, ngành"]),
    ("Sở Nội vụ", ["Sở Nội vụ"]),
    (
        "Văn phòng UBND tỉnh; Sở Nội vụ; Sở Thông tin và Truyền thông",
        ["Văn phòng UBND tỉnh", "Sở Nội vụ", "Sở Thông tin và Truyền thông"],
    ),
    (
        "Văn phòng UBND tỉnh; Sở Thông tin và Truyền thông; Sở Nội vụ",
        ["Văn phòng UBND tỉnh", "Sở Thông tin và Truyền thông", "Sở Nội vụ"],
    ),
    ("Sở Tư pháp", ["Sở Tư pháp"]),
    ("Văn phòng UBND tỉnh", ["Văn phòng UBND tỉnh"]),
    ("Sở Tài chính", ["Sở Tài chính"]),
    ("Sở Thông tin và Truyền thông", ["Sở Thông tin và Truyền thông"]),
    ("Sở Khoa học và Công nghệ", ["Sở Khoa học và Công nghệ"]),
    ("Sở Kế hoạch và Đầu tư", ["Sở Kế hoạch và Đầu tư"]),
    ("Sở Tài chính; Sở Kế hoạch và Đầu tư", ["Sở Tài chính", "Sở Kế hoạch và Đầu tư"]),
    # --- seed 002, Phụ lục (Đơn vị chủ trì, Đơn vị phối hợp) --------------------------------------
    (
        "Sở Tư pháp, UBND cấp huyện, UBND cấp xã",
        ["Sở Tư pháp", "UBND cấp huyện", "UBND cấp xã"],
    ),
    # The seed keeps the two lines of this cell on one line; the workbook cell has them run on.
    (
        "Các cơ quan thông tấn báo chí Các tổ chức đoàn thể",
        ["Các cơ quan thông tấn báo chí", "Các tổ chức đoàn thể"],
    ),
    (
        "Các cơ quan thông tấn báo chí\nCác tổ chức đoàn thể",
        ["Các cơ quan thông tấn báo chí", "Các tổ chức đoàn thể"],
    ),
    ("UBND cấp huyện; UBND cấp xã", ["UBND cấp huyện", "UBND cấp xã"]),
    ("Các cơ quan có liên quan", ["Các cơ quan có liên quan"]),
    ("UBND cấp xã", ["UBND cấp xã"]),
    ("Sở Nội vụ, UBND cấp huyện", ["Sở Nội vụ", "UBND cấp huyện"]),
    ("Sở Tài nguyên và Môi trường", ["Sở Tài nguyên và Môi trường"]),
    (
        "Sở Tài nguyên và Môi trường; UBND cấp huyện, UBND cấp xã.",
        ["Sở Tài nguyên và Môi trường", "UBND cấp huyện", "UBND cấp xã"],
    ),
    (
        "Văn phòng UBND tỉnh; Sở Tài nguyên và Môi trường; UBND cấp huyện, UBND cấp xã.",
        ["Văn phòng UBND tỉnh", "Sở Tài nguyên và Môi trường", "UBND cấp huyện", "UBND cấp xã"],
    ),
    (
        "Lãnh đạo UBND tỉnh; Lãnh đạo các sở, ban, ngành; Lãnh đạo UBND cấp huyện; "
        "Lãnh đạo UBND cấp xã.",
        [
            "Lãnh đạo UBND tỉnh",
            "Lãnh đạo các sở, ban, ngành",
            "Lãnh đạo UBND cấp huyện",
            "Lãnh đạo UBND cấp xã",
        ],
    ),
    (
        "Các sở, ban, ngành; UBND cấp huyện; UBND cấp xã",
        ["Các sở, ban, ngành", "UBND cấp huyện", "UBND cấp xã"],
    ),
    (
        "Thanh tra huyện/thành phố, Ủy ban MTTQ huyện/thành phố",
        ["Thanh tra huyện/thành phố", "Ủy ban MTTQ huyện/thành phố"],
    ),
    ("UBND cấp huyện, UBND cấp xã", ["UBND cấp huyện", "UBND cấp xã"]),
    (
        "Sở Tư pháp; Thanh tra tỉnh; UBND cấp huyện; UBND cấp xã",
        ["Sở Tư pháp", "Thanh tra tỉnh", "UBND cấp huyện", "UBND cấp xã"],
    ),
    ("Văn phòng UBND tỉnh; Đơn vị được kiểm tra", ["Văn phòng UBND tỉnh", "Đơn vị được kiểm tra"]),
    # The seed breaks this cell over a page: "Đơn vị được kiểm" / "tra".
    (
        "Văn phòng UBND tỉnh; Đơn vị được kiểm\ntra",
        ["Văn phòng UBND tỉnh", "Đơn vị được kiểm tra"],
    ),
    ("Sở Y tế", ["Sở Y tế"]),
    ("Sở Giáo dục và Đào tạo", ["Sở Giáo dục và Đào tạo"]),
    ("Sở Nội vụ; Sở Thông tin và Truyền thông", ["Sở Nội vụ", "Sở Thông tin và Truyền thông"]),
    (
        "Các sở, ban, ngành; UBND cấp huyện, cấp xã",
        ["Các sở, ban, ngành", "UBND cấp huyện", "UBND cấp xã"],
    ),
    (
        "Các sở, ban, ngành tỉnh; UBND cấp huyện, cấp xã",
        ["Các sở, ban, ngành tỉnh", "UBND cấp huyện", "UBND cấp xã"],
    ),
    (
        "Các sở, ngành tỉnh; UBND cấp huyện, cấp xã",
        ["Các sở, ngành tỉnh", "UBND cấp huyện", "UBND cấp xã"],
    ),
    ("Các sở, ban, ngành tỉnh; UBND cấp huyện", ["Các sở, ban, ngành tỉnh", "UBND cấp huyện"]),
    ("Bảo hiểm xã hội tỉnh", ["Bảo hiểm xã hội tỉnh"]),
    (
        "UBND cấp huyện; UBND cấp xã; Các tổ chức đoàn thể; Các cơ quan truyền thông",
        ["UBND cấp huyện", "UBND cấp xã", "Các tổ chức đoàn thể", "Các cơ quan truyền thông"],
    ),
    (
        "UBND các huyện, thành phố; Sở Giáo dục và Đào tạo",
        ["UBND các huyện, thành phố", "Sở Giáo dục và Đào tạo"],
    ),
    (
        "Sở Nông nghiệp và Phát triển nông thôn; UBND các huyện, thành phố;",
        ["Sở Nông nghiệp và Phát triển nông thôn", "UBND các huyện, thành phố"],
    ),
    ("Sở Công Thương, Điện lực tỉnh", ["Sở Công Thương", "Điện lực tỉnh"]),
    ("UBND các huyện, thành phố; UBND cấp xã", ["UBND các huyện, thành phố", "UBND cấp xã"]),
    ("Văn phòng Điều phối nông thôn mới", ["Văn phòng Điều phối nông thôn mới"]),
    (
        "Công an tỉnh; Công an huyện, thành phố; công an xã, phường, thị trấn",
        ["Công an tỉnh", "Công an huyện, thành phố", "Công an xã, phường, thị trấn"],
    ),
    # --- docs/domain.md, "Agencies as written in the tables" --------------------------------------
    ("Thanh tra tỉnh", ["Thanh tra tỉnh"]),
    ("Công an tỉnh", ["Công an tỉnh"]),
    (
        "Các Sở: Tư pháp; Tài chính; Thông tin và Truyền thông",
        ["Sở Tư pháp", "Sở Tài chính", "Sở Thông tin và Truyền thông"],
    ),
    (
        "Văn phòng UBND tỉnh; các Sở: Tư pháp; Tài chính; Khoa học và Công nghệ",
        ["Văn phòng UBND tỉnh", "Sở Tư pháp", "Sở Tài chính", "Sở Khoa học và Công nghệ"],
    ),
    ("UBND cấp huyện, cấp xã", ["UBND cấp huyện", "UBND cấp xã"]),
    (
        "Các sở, ngành tham mưu UBND tỉnh 6 lĩnh vực CCHC",
        ["Các sở, ngành tham mưu UBND tỉnh 6 lĩnh vực CCHC"],
    ),
    ("Đơn vị được kiểm tra", ["Đơn vị được kiểm tra"]),
    (
        "Lãnh đạo UBND tỉnh; Lãnh đạo các sở, ban, ngành",
        ["Lãnh đạo UBND tỉnh", "Lãnh đạo các sở, ban, ngành"],
    ),
    ("Cục Thuế tỉnh", ["Cục Thuế tỉnh"]),
    ("Bưu điện tỉnh", ["Bưu điện tỉnh"]),
    ("Ủy ban MTTQ tỉnh", ["Ủy ban MTTQ tỉnh"]),
    ("Điện lực tỉnh", ["Điện lực tỉnh"]),
    ("VP UBND tỉnh; Sở TT&TT; Sở KH&ĐT", ["VP UBND tỉnh", "Sở TT&TT", "Sở KH&ĐT"]),
    (
        "Sở KH&CN, Sở TN&MT, Sở NN&PTNT, Sở GD&ĐT",
        ["Sở KH&CN", "Sở TN&MT", "Sở NN&PTNT", "Sở GD&ĐT"],
    ),
    ("Sở LĐ-TB&XH, Sở VH-TT&DL", ["Sở LĐ-TB&XH", "Sở VH-TT&DL"]),
    ("MTTQ, BHXH tỉnh", ["MTTQ", "BHXH tỉnh"]),
    # Section titles of seed 000, once the "chủ trì thực hiện" is taken off.
    ("SỞ TƯ PHÁP", ["SỞ TƯ PHÁP"]),
    (
        "CÁC SỞ, BAN, NGÀNH; UBND CÁC HUYỆN, THÀNH PHỐ; UBND CÁC XÃ, PHƯỜNG, THỊ TRẤN",
        ["CÁC SỞ, BAN, NGÀNH", "UBND CÁC HUYỆN, THÀNH PHỐ", "UBND CÁC XÃ, PHƯỜNG, THỊ TRẤN"],
    ),
    # --- agency lists in the plans' own text (seed 000 and 003) -----------------------------------
    (
        "Các sở, ban, ngành; UBND các huyện, thành phố",
        ["Các sở, ban, ngành", "UBND các huyện, thành phố"],
    ),
    (
        "Đài Phát thanh và Truyền hình tỉnh; Cổng thông tin điện tử tỉnh; Trang thông tin điện tử "
        "của các sở, ban, ngành và UBND các huyện, thành phố",
        [
            "Đài Phát thanh và Truyền hình tỉnh",
            "Cổng thông tin điện tử tỉnh",
            "Trang thông tin điện tử của các sở, ban, ngành và UBND các huyện, thành phố",
        ],
    ),
    (
        "Báo Bắc Kạn; các cơ quan báo chí Trung ương đóng trên địa bàn tỉnh",
        ["Báo Bắc Kạn", "Các cơ quan báo chí Trung ương đóng trên địa bàn tỉnh"],
    ),
    ("Bảo hiểm xã hội tỉnh, Công an tỉnh", ["Bảo hiểm xã hội tỉnh", "Công an tỉnh"]),
    (
        "Các sở, ngành và tương đương; UBND cấp huyện",
        ["Các sở, ngành và tương đương", "UBND cấp huyện"],
    ),
    (
        "Sở Nội vụ (cơ quan thường trực về CCHC của tỉnh)",
        ["Sở Nội vụ (cơ quan thường trực về CCHC của tỉnh)"],
    ),
    (
        "Cục Thuế tỉnh (là đơn vị quản lý về thu ngân sách, thuế); Sở Tài chính",
        ["Cục Thuế tỉnh (là đơn vị quản lý về thu ngân sách, thuế)", "Sở Tài chính"],
    ),
    (
        "- Ủy ban MTTQ VN tỉnh;\n- Liên đoàn Lao động tỉnh;\n- Cục Thuế tỉnh;\n- Báo Bắc Kạn;\n"
        "- Các thành viên BCĐ CCHC tỉnh;\n- Các sở, ban, ngành của tỉnh;\n"
        "- UBND các huyện, thành phố;",
        [
            "Ủy ban MTTQ VN tỉnh",
            "Liên đoàn Lao động tỉnh",
            "Cục Thuế tỉnh",
            "Báo Bắc Kạn",
            "Các thành viên BCĐ CCHC tỉnh",
            "Các sở, ban, ngành của tỉnh",
            "UBND các huyện, thành phố",
        ],
    ),
    ("Các Sở, Ban, Ngành thuộc tỉnh", ["Các Sở, Ban, Ngành thuộc tỉnh"]),
    (
        "Đài Phát thanh - Truyền hình Bắc Kạn; Công ty điện lực Bắc Kạn",
        ["Đài Phát thanh - Truyền hình Bắc Kạn", "Công ty điện lực Bắc Kạn"],
    ),
    # --- collective phrases stay whole, whatever the case -----------------------------------------
    ("Các sở, ban, ngành tỉnh", ["Các sở, ban, ngành tỉnh"]),
    ("Các sở, ngành tỉnh", ["Các sở, ngành tỉnh"]),
    ("UBND các huyện, thành phố", ["UBND các huyện, thành phố"]),
    ("UBND các xã, phường, thị trấn", ["UBND các xã, phường, thị trấn"]),
    ("CÁC SỞ, BAN, NGÀNH", ["CÁC SỞ, BAN, NGÀNH"]),
    ("CÁC SỞ, BAN NGÀNH; UBND CÁC HUYỆN", ["CÁC SỞ, BAN NGÀNH", "UBND CÁC HUYỆN"]),
    ("Các sở, ban ngành, UBND cấp huyện", ["Các sở, ban ngành", "UBND cấp huyện"]),
    ("Các cơ quan, đơn vị có liên quan", ["Các cơ quan, đơn vị có liên quan"]),
    ("Cac so, ban, nganh; UBND cap huyen", ["Cac so, ban, nganh", "UBND cap huyen"]),
    # --- collective names as other provinces' plans write them: kept whole ------------------------
    ("Các sở, ban, ngành có liên quan", ["Các sở, ban, ngành có liên quan"]),
    ("Các sở, ban, ngành liên quan", ["Các sở, ban, ngành liên quan"]),
    ("Các sở, ban, ngành trên địa bàn tỉnh", ["Các sở, ban, ngành trên địa bàn tỉnh"]),
    ("Các sở, ban, ngành, địa phương", ["Các sở, ban, ngành, địa phương"]),
    ("Các sở, ngành, địa phương", ["Các sở, ngành, địa phương"]),
    (
        "Các sở, ban, ngành, địa phương có liên quan",
        ["Các sở, ban, ngành, địa phương có liên quan"],
    ),
    ("Các cơ quan, đơn vị liên quan", ["Các cơ quan, đơn vị liên quan"]),
    ("UBND cấp tỉnh; UBND cấp huyện", ["UBND cấp tỉnh", "UBND cấp huyện"]),
    (
        "Các sở, ngành tham mưu UBND tỉnh 6 lĩnh vực CCHC; UBND cấp huyện",
        ["Các sở, ngành tham mưu UBND tỉnh 6 lĩnh vực CCHC", "UBND cấp huyện"],
    ),
    # --- an agency joined by "và" to a collective, a level or another sở --------------------------
    (
        "Sở Tư pháp và các sở, ban, ngành, địa phương có liên quan",
        ["Sở Tư pháp", "Các sở, ban, ngành, địa phương có liên quan"],
    ),
    (
        "Sở Nội vụ và các sở, ban, ngành liên quan",
        ["Sở Nội vụ", "Các sở, ban, ngành liên quan"],
    ),
    ("SỞ NỘI VỤ VÀ CÁC SỞ, BAN, NGÀNH", ["SỞ NỘI VỤ", "CÁC SỞ, BAN, NGÀNH"]),
    (
        "Sở Giáo dục và Đào tạo và các cơ quan liên quan",
        ["Sở Giáo dục và Đào tạo", "Các cơ quan liên quan"],
    ),
    (
        "Văn phòng UBND tỉnh; Sở Văn hóa, Thể thao và Du lịch và các đơn vị liên quan",
        ["Văn phòng UBND tỉnh", "Sở Văn hóa, Thể thao và Du lịch", "Các đơn vị liên quan"],
    ),
    ("Các sở, ban, ngành và UBND cấp huyện", ["Các sở, ban, ngành", "UBND cấp huyện"]),
    ("Các sở, ban, ngành và các địa phương", ["Các sở, ban, ngành", "Các địa phương"]),
    ("UBND cấp huyện và cấp xã", ["UBND cấp huyện", "UBND cấp xã"]),
    ("Sở Nội vụ và Sở Tư pháp", ["Sở Nội vụ", "Sở Tư pháp"]),
    # ... but a "và" inside a name, in brackets or after no agency stays in it.
    ("HĐND và UBND tỉnh", ["HĐND và UBND tỉnh"]),
    ("Sở Y tế (và các cơ sở y tế)", ["Sở Y tế (và các cơ sở y tế)"]),
    ("Các sở, ban, ngành và địa phương", ["Các sở, ban, ngành và địa phương"]),
    ("Tổ công tác và các sở, ngành", ["Tổ công tác và các sở, ngành"]),
    # --- commas inside one name -------------------------------------------------------------------
    ("Sở Văn hóa, Thể thao và Du lịch", ["Sở Văn hóa, Thể thao và Du lịch"]),
    ("Sở Lao động - Thương binh và Xã hội", ["Sở Lao động - Thương binh và Xã hội"]),
    (
        "Sở Lao động - Thương binh và Xã hội, Sở Văn hóa, Thể thao và Du lịch, Sở Y tế",
        ["Sở Lao động - Thương binh và Xã hội", "Sở Văn hóa, Thể thao và Du lịch", "Sở Y tế"],
    ),
    (
        "Sở Nội vụ, Ban Dân tộc, Trung tâm Phục vụ hành chính công tỉnh",
        ["Sở Nội vụ", "Ban Dân tộc", "Trung tâm Phục vụ hành chính công tỉnh"],
    ),
    ("SỞ NỘI VỤ, BAN DÂN TỘC", ["SỞ NỘI VỤ", "BAN DÂN TỘC"]),
    (
        "Sở Tài chính, Kho bạc Nhà nước tỉnh, Liên đoàn Lao động tỉnh, Viettel Bắc Kạn, "
        "VNPT Bắc Kạn",
        [
            "Sở Tài chính",
            "Kho bạc Nhà nước tỉnh",
            "Liên đoàn Lao động tỉnh",
            "Viettel Bắc Kạn",
            "VNPT Bắc Kạn",
        ],
    ),
    ("Sở Tư pháp, các cơ quan có liên quan", ["Sở Tư pháp", "Các cơ quan có liên quan"]),
    # --- factored lists ---------------------------------------------------------------------------
    ("Các Sở:\n- Tư pháp\n- Tài chính", ["Sở Tư pháp", "Sở Tài chính"]),
    ("CÁC SỞ: TƯ PHÁP; TÀI CHÍNH", ["SỞ TƯ PHÁP", "SỞ TÀI CHÍNH"]),
    (
        "Các sở: Tư pháp, Tài chính; UBND cấp huyện",
        ["Sở Tư pháp", "Sở Tài chính", "UBND cấp huyện"],
    ),
    (
        "Các sở: Tư pháp, Văn hóa, Thể thao và Du lịch",
        ["Sở Tư pháp", "Sở Văn hóa, Thể thao và Du lịch"],
    ),
    (
        "Các sở: Tư pháp; Văn hóa, Thể thao và Du lịch, Thanh tra tỉnh",
        ["Sở Tư pháp", "Sở Văn hóa, Thể thao và Du lịch", "Thanh tra tỉnh"],
    ),
    ("Lãnh đạo các Sở: Tư pháp, Tài chính", ["Lãnh đạo Sở Tư pháp", "Lãnh đạo Sở Tài chính"]),
    ("UBND các huyện: Ba Bể, Chợ Đồn", ["UBND huyện Ba Bể", "UBND huyện Chợ Đồn"]),
    ("Các Ban: Dân tộc; Quản lý dự án", ["Ban Dân tộc", "Ban Quản lý dự án"]),
    ("Sở Nội vụ; Các sở:", ["Sở Nội vụ", "Các sở"]),
    # A colon after a single agency is not a factor.
    ("Sở Nội vụ: chủ trì", ["Sở Nội vụ: chủ trì"]),
    ("Lãnh đạo UBND cấp huyện, cấp xã", ["Lãnh đạo UBND cấp huyện", "Lãnh đạo UBND cấp xã"]),
    ("UBND cấp huyện; cấp xã", ["UBND cấp huyện", "UBND cấp xã"]),
    (
        "UBND các huyện, các xã, phường, thị trấn",
        ["UBND các huyện", "UBND các xã, phường, thị trấn"],
    ),
    # --- bullets, line breaks, punctuation, duplicates --------------------------------------------
    (
        "- Sở Nội vụ\n- Sở Tư pháp\n+ UBND cấp huyện\n• Sở Y tế;",
        ["Sở Nội vụ", "Sở Tư pháp", "UBND cấp huyện", "Sở Y tế"],
    ),
    ("Sở Nội vụ\nSở Tư pháp\n\nThanh tra tỉnh", ["Sở Nội vụ", "Sở Tư pháp", "Thanh tra tỉnh"]),
    ("Sở Nội vụ\r\nSở Tư pháp", ["Sở Nội vụ", "Sở Tư pháp"]),
    ("1. Sở Nội vụ\n2. Sở Tư pháp", ["Sở Nội vụ", "Sở Tư pháp"]),
    (
        "Sở Tài nguyên và Môi\ntrường; UBND cấp huyện",
        ["Sở Tài nguyên và Môi trường", "UBND cấp huyện"],
    ),
    ("  Sở  Nội   vụ .  ", ["Sở Nội vụ"]),
    ("Sở Nội vụ; SỞ NỘI VỤ; So Noi vu", ["Sở Nội vụ"]),
    ("Sở Nội vụ;; ; Sở Tư pháp;", ["Sở Nội vụ", "Sở Tư pháp"]),
    ("Sở Nội vụ; -; x", ["Sở Nội vụ"]),
    # --- empty cells ------------------------------------------------------------------------------
    (None, []),
    ("", []),
    ("   ", []),
    ("-", []),
    ("x", []),
    ("X", []),
    ("Không", []),
    (";", []),
]


@pytest.mark.parametrize(("text", "expected"), CELLS)
def test_split_agency_text_returns_the_names_written(text, expected):
    assert split_agency_text(text) == expected


@pytest.mark.parametrize(
    ("text", "protected", "expected"),
    [
        # "HĐND" opens an agency, so without help the comma would split this name.
        (
            "Văn phòng Đoàn ĐBQH, HĐND và UBND tỉnh; Sở Nội vụ",
            (),
            ["Văn phòng Đoàn ĐBQH", "HĐND và UBND tỉnh", "Sở Nội vụ"],
        ),
        (
            "Văn phòng Đoàn ĐBQH, HĐND và UBND tỉnh; Sở Nội vụ",
            ["Văn phòng Đoàn ĐBQH, HĐND và UBND tỉnh"],
            ["Văn phòng Đoàn ĐBQH, HĐND và UBND tỉnh", "Sở Nội vụ"],
        ),
        # Matched folded: case and diacritics do not matter.
        (
            "VĂN PHÒNG ĐOÀN ĐBQH, HĐND VÀ UBND TỈNH, Sở Nội vụ",
            ["van phong doan dbqh, hdnd va ubnd tinh"],
            ["VĂN PHÒNG ĐOÀN ĐBQH, HĐND VÀ UBND TỈNH", "Sở Nội vụ"],
        ),
        # A protected name also protects its tail inside a factored list.
        (
            "Các Ban: Kinh tế, Ngân sách, Pháp chế",
            (),
            ["Ban Kinh tế", "Ban Ngân sách", "Ban Pháp chế"],
        ),
        (
            "Các Ban: Kinh tế, Ngân sách, Pháp chế",
            ["Ban Kinh tế, Ngân sách"],
            ["Ban Kinh tế, Ngân sách", "Ban Pháp chế"],
        ),
        # Names without separators change nothing; an empty or odd list is harmless.
        (
            "Sở Nội vụ, Sở Tư pháp",
            ["Sở Nội vụ", "Sở Tư pháp", "", None],
            ["Sở Nội vụ", "Sở Tư pháp"],
        ),
        ("Các sở, ban, ngành", None, ["Các sở, ban, ngành"]),
        # A known name keeps its "và".
        (
            "Văn phòng HĐND và các cơ quan Đảng; Sở Nội vụ",
            ["Văn phòng HĐND và các cơ quan Đảng"],
            ["Văn phòng HĐND và các cơ quan Đảng", "Sở Nội vụ"],
        ),
        (
            "Văn phòng HĐND và các cơ quan Đảng; Sở Nội vụ",
            (),
            ["Văn phòng HĐND", "Các cơ quan Đảng", "Sở Nội vụ"],
        ),
    ],
)
def test_protected_names_are_never_split(text, protected, expected):
    assert split_agency_text(text, protected=protected) == expected


def test_protected_accepts_any_iterable():
    names = (name for name in ["Văn phòng Đoàn ĐBQH, HĐND và UBND tỉnh"])

    assert split_agency_text("Văn phòng Đoàn ĐBQH, HĐND và UBND tỉnh", names) == [
        "Văn phòng Đoàn ĐBQH, HĐND và UBND tỉnh"
    ]


def test_decomposed_unicode_is_read_like_composed():
    import unicodedata

    text = unicodedata.normalize("NFD", "Sở Văn hóa, Thể thao và Du lịch, Sở Y tế")

    assert split_agency_text(text) == ["Sở Văn hóa, Thể thao và Du lịch", "Sở Y tế"]


TITLES = [
    # --- seed 000 and the 2022 workbook, Phụ lục I and II ----------------------------------------
    ("SỞ NỘI VỤ CHỦ TRÌ THỰC HIỆN", "SỞ NỘI VỤ"),
    ("SỞ TƯ PHÁP CHỦ TRÌ THỰC HIỆN", "SỞ TƯ PHÁP"),
    ("VĂN PHÒNG UBND TỈNH CHỦ TRÌ THỰC HIỆN", "VĂN PHÒNG UBND TỈNH"),
    ("SỞ TÀI CHÍNH CHỦ TRÌ THỰC HIỆN", "SỞ TÀI CHÍNH"),
    ("SỞ THÔNG TIN VÀ TRUYỀN THÔNG CHỦ TRÌ THỰC HIỆN", "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"),
    ("SỞ KHOA HỌC VÀ CÔNG NGHỆ CHỦ TRÌ THỰC HIỆN", "SỞ KHOA HỌC VÀ CÔNG NGHỆ"),
    ("SỞ KẾ HOẠCH VÀ ĐẦU TƯ CHỦ TRÌ THỰC HIỆN", "SỞ KẾ HOẠCH VÀ ĐẦU TƯ"),
    (
        "CÁC SỞ, BAN, NGÀNH; UBND CÁC HUYỆN, THÀNH PHỐ; UBND CÁC XÃ, PHƯỜNG, THỊ TRẤN "
        "CHỦ TRÌ THỰC HIỆN",
        "CÁC SỞ, BAN, NGÀNH; UBND CÁC HUYỆN, THÀNH PHỐ; UBND CÁC XÃ, PHƯỜNG, THỊ TRẤN",
    ),
    # The seed writes the section number in its own cell; a typed title may keep it.
    ("I SỞ NỘI VỤ CHỦ TRÌ THỰC HIỆN", "SỞ NỘI VỤ"),
    ("I. SỞ NỘI VỤ CHỦ TRÌ THỰC HIỆN", "SỞ NỘI VỤ"),
    ("III. VĂN PHÒNG UBND TỈNH CHỦ TRÌ THỰC HIỆN", "VĂN PHÒNG UBND TỈNH"),
    ("V VĂN PHÒNG UBND TỈNH CHỦ TRÌ THỰC HIỆN", "VĂN PHÒNG UBND TỈNH"),
    ("VI) SỞ KẾ HOẠCH VÀ ĐẦU TƯ CHỦ TRÌ THỰC HIỆN", "SỞ KẾ HOẠCH VÀ ĐẦU TƯ"),
    ("VIII CÁC SỞ, BAN, NGÀNH CHỦ TRÌ THỰC HIỆN", "CÁC SỞ, BAN, NGÀNH"),
    # --- seed 002 and the 2018 workbook: sections are PAPI dimensions, no lead --------------------
    ("Tham gia của người dân ở cấp cơ sở", None),
    ("Công khai, minh bạch", None),
    ("Trách nhiệm giải trình với nhân dân", None),
    ("3 Trách nhiệm giải trình với nhân dân", None),
    ("4 Kiểm soát tham nhũng trong khu vực công", None),
    ("Kiểm soát tham nhũng trong khu vực công", None),
    ("Thủ tục hành chính", None),
    ("Cung ứng dịch vụ công", None),
    # --- other titles a plan uses -----------------------------------------------------------------
    ("CHỈ SỐ PAR INDEX", None),
    ("I CHỈ SỐ PAR INDEX", None),
    ("II CHỈ SỐ SIPAS", None),
    ("PHỤ LỤC I", None),
    ("CÁC NHIỆM VỤ TIẾP TỤC DUY TRÌ THỰC HIỆN NÂNG CAO CHỈ SỐ CCHC", None),
    ("Nhiệm vụ do Sở Nội vụ chủ trì", "Sở Nội vụ"),
    ("Sở Nội vụ chủ trì", "Sở Nội vụ"),
    ("Giao Sở Nội vụ chủ trì thực hiện", "Sở Nội vụ"),
    ("NHIỆM VỤ GIAO CHO SỞ TƯ PHÁP CHỦ TRÌ", "SỞ TƯ PHÁP"),
    ("Sở Giao thông vận tải chủ trì", "Sở Giao thông vận tải"),
    ("Giao Sở Giao thông vận tải chủ trì", "Sở Giao thông vận tải"),
    ("Sở Nội vụ chủ trì, phối hợp với các sở, ngành", "Sở Nội vụ"),
    ("Sở Nội vụ là cơ quan chủ trì", "Sở Nội vụ"),
    ("1. Cải cách thể chế (Sở Tư pháp chủ trì)", "Sở Tư pháp"),
    ("Cải cách thể chế - Sở Tư pháp chủ trì", "Sở Tư pháp"),
    ("Cơ quan chủ trì: Sở Nội vụ; Cơ quan phối hợp: Các sở, ban, ngành", "Sở Nội vụ"),
    ("Đơn vị chủ trì: Văn phòng UBND tỉnh", "Văn phòng UBND tỉnh"),
    ("  Sở  Nội vụ   chủ trì thực hiện  ", "Sở Nội vụ"),
    # Task texts of the 2022 workbook: "chủ trì" with nobody before it, or no "chủ trì" at all.
    (
        "Chủ trì, phối hợp với các sở, ngành liên quan thường xuyên tổng hợp các khó khăn, "
        "vướng mắc của doanh nghiệp khi thực hiện dự án đầu tư để giải quyết, tháo gỡ cho "
        "doanh nghiệp",
        None,
    ),
    ("Khắc phục kịp thời 100% tồn tại, hạn chế do đoàn thành tra, kiểm tra kiến nghị", None),
    ("Xây dựng chu trình quản lý", None),
    ("", None),
    (None, None),
]


@pytest.mark.parametrize(("title", "expected"), TITLES)
def test_lead_from_section_title(title, expected):
    assert lead_from_section_title(title) == expected


def test_a_lead_from_a_title_splits_like_a_cell():
    lead = lead_from_section_title(
        "CÁC SỞ, BAN, NGÀNH; UBND CÁC HUYỆN, THÀNH PHỐ; UBND CÁC XÃ, PHƯỜNG, THỊ TRẤN "
        "CHỦ TRÌ THỰC HIỆN"
    )

    assert split_agency_text(lead) == [
        "CÁC SỞ, BAN, NGÀNH",
        "UBND CÁC HUYỆN, THÀNH PHỐ",
        "UBND CÁC XÃ, PHƯỜNG, THỊ TRẤN",
    ]


def _annex_agency_cells():
    """Every agency cell of the annex workbooks copied into fixtures/annexes, if any."""
    from parindex.core.text import fold

    cells = set()
    folder = ROOT / "fixtures" / "annexes"
    for path in sorted(folder.glob("*.xls*")):
        if path.suffix == ".xlsx":
            import openpyxl

            book = openpyxl.load_workbook(path, read_only=True)
            sheets = [list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets]
        else:
            import xlrd

            book = xlrd.open_workbook(str(path))
            sheets = [[sheet.row_values(r) for r in range(sheet.nrows)] for sheet in book.sheets()]
        for rows in sheets:
            columns = []
            for row in rows:
                headers = [fold(str(value or "")) for value in row]
                if not columns and any(h in ("tt", "stt") for h in headers):
                    columns = [
                        i for i, h in enumerate(headers) if "chu tri" in h or "phoi hop" in h
                    ]
                    continue
                for i in columns:
                    if i < len(row) and isinstance(row[i], str) and row[i].strip():
                        cells.add(row[i])
    return cells


def test_every_agency_cell_of_the_annex_fixtures_is_in_the_table():
    cells = _annex_agency_cells()
    if not cells:
        pytest.skip("no annex workbooks in fixtures/annexes")

    known = {text for text, _ in CELLS}

    assert sorted(cells - known) == []


def test_module_does_not_import_django():
    check = (
        "import sys, plans.importing.agency_text; "
        "sys.exit(any(name.split('.')[0] == 'django' for name in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", check], cwd=ROOT).returncode == 0
